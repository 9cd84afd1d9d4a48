# Silero VAD 6.2 (silero_vad_op18_ifless.onnx) on espeak-ng speech: qcc vs
# onnxruntime, output and recurrent state, over consecutive 16 kHz windows
# (state carried: qcc's stateN feeds qcc, onnxruntime's feeds onnxruntime).
# Usage: vad.py TARGET [WORKDIR]   (the AArch64 run is vad_aarch64.test)
#
# REQUIRES: x86, onnxruntime, silero-vad
# RUN: %python %s x86-64 %t

import os
import sys

import numpy as np
import qcc_testing as q

target = sys.argv[1]
work = q.workdir(sys.argv[2] if len(sys.argv) > 2 else None)
# qemu is slow: fewer windows on AArch64.
steps = 3 if target.startswith("aarch64") else 12

model = q.vad_model()
so = os.path.join(work, "vad.so")
# sr stays a runtime input (an int64 scalar), as silero feeds it.
q.compile_model(model, so, target, {"input": (1, 576), "state": (2, 1, 128), "sr": ()})
outputs = q.onnx_io(model)[1]

audio = q.speech_audio()
windows = q.vad_windows(audio)[:steps] + [q.speech_chunk()]
sr = np.array(16000, np.int64)
state_q = state_o = q.vad_state()
ok = True
for i, x in enumerate(windows):
    if i == len(windows) - 1:  # the loudest chunk, from a fresh state
        state_q = state_o = q.vad_state()
    got = q.run_model(so, {"input": x, "state": state_q, "sr": sr},
                      os.path.join(work, "run"), outputs)
    ref = q.ort_run(model, {"input": x, "state": state_o, "sr": sr})
    print(f"step {i}: speech prob qcc {got['output'].item():.5f} "
          f"ort {ref['output'].item():.5f}")
    ok &= q.check_outputs(ref, got, f"step {i}: ")
    state_q, state_o = got["stateN"], ref["stateN"]

print("vad:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
