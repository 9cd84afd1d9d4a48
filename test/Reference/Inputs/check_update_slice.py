"""Checks update-slice.test's outputs against numpy: the block written at
the offsets clamped to [0, dim - block], for the reference interpreter's
outputs (DIR/ref-CASE) and the compiled library's (DIR/lib-CASE)."""
import sys

import numpy as np

d = sys.argv[1]
x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
u = -np.arange(1, 5, dtype=np.float32).reshape(1, 2, 2)
for name, off in [("in", [1, 0, 2]), ("past", [5, 9, 3]), ("neg", [-1, -7, -2])]:
    start = [min(max(o, 0), n - b) for o, n, b in zip(off, x.shape, u.shape)]
    want = x.copy()
    want[start[0]:start[0] + 1, start[1]:start[1] + 2, start[2]:start[2] + 2] = u

    def ok(side):
        return all(np.array_equal(np.load(f"{d}/{side}-{name}/{k}.npy"), w)
                   for k, w in [("y", want), ("yi", want.astype(np.int8))])

    print(f"{name}: block at {start}: reference {'ok' if ok('ref') else 'WRONG'}, "
          f"library {'ok' if ok('lib') else 'WRONG'}")
