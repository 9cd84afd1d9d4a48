"""The shared machine's build lock for the model benchmarks: compiles and
timed runs hold an exclusive flock on a file (--lock / $QCC_BUILD_LOCK) so
that other engineers' builds do not disturb them, and release it between
steps so that those builds get turns."""

import contextlib
import fcntl


@contextlib.contextmanager
def locked(path):
    """Holds an exclusive flock on path (none when path is empty)."""
    if not path:
        yield
        return
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
