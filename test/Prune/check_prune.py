#!/usr/bin/env python3
"""Checks a pat-prune result kernel by kernel against the original model and
the JSON report: every pruned layer's kernels are zero or the original
values on exactly one library pattern (the one keeping the most L2 norm),
ceil(kernels / R) kernels survive and they are the largest, skipped layers
are untouched. Prints one line per layer; exits 1 on the first mismatch.

usage: check_prune.py ORIGINAL.onnx PRUNED.onnx REPORT.json
"""

import json
import math
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def fail(msg):
    print("MISMATCH:", msg)
    sys.exit(1)


def mask_of(text):
    return np.array([[c == "1" for c in row] for row in text.split("/")])


def main():
    original, pruned, report_path = sys.argv[1:4]
    before = {t.name: numpy_helper.to_array(t)
              for t in onnx.load(original).graph.initializer}
    after = {t.name: numpy_helper.to_array(t)
             for t in onnx.load(pruned).graph.initializer}
    report = json.load(open(report_path))
    libraries = {tuple(l["kernel"]): [mask_of(p) for p in l["patterns"]]
                 for l in report["libraries"]}
    taps = report["options"]["pattern_taps"]
    for name in before:
        if name not in after:
            fail(f"initializer {name} disappeared")
    for layer in report["layers"]:
        w0, w1 = before[layer["weight"]], after[layer["weight"]]
        if layer["status"] != "pruned":
            if not np.array_equal(w0, w1):
                fail(f"{layer['node']} ({layer['status']}) changed")
            print(f"{layer['node']}: unchanged ({layer['status']})")
            continue
        kh, kw = w0.shape[2:]
        library = libraries[(kh, kw)]
        centre = np.zeros((kh, kw), bool)
        centre[kh // 2, kw // 2] = True
        for m in library:
            if m.sum() != taps or not (m & centre).any():
                fail(f"library pattern {m.astype(int).tolist()} lacks the "
                     "centre or has the wrong tap count")
        projected_norms = []
        kept = 0
        for o in range(w0.shape[0]):
            for c in range(w0.shape[1]):
                k0, k1 = w0[o, c], w1[o, c]
                # The library pattern keeping the most squared norm (first
                # one on ties), as pat-prune's projection chooses.
                norms = [float((k0[m] ** 2).sum()) for m in library]
                best = library[int(np.argmax(norms))]
                projected_norms.append(max(norms))
                if not k1.any():
                    continue
                kept += 1
                if not np.array_equal(k1[best], k0[best]) or k1[~best].any():
                    fail(f"{layer['node']} kernel ({o}, {c}) is not the "
                         "original projected onto its best pattern")
        total = w0.shape[0] * w0.shape[1]
        want = min(total, math.ceil(total / layer["connectivity"] - 1e-9))
        if kept != want or kept != layer["non_empty_kernels"]:
            fail(f"{layer['node']} keeps {kept} kernels, expected {want} "
                 f"(report says {layer['non_empty_kernels']})")
        # Survivors are the kernels with the largest projected norm.
        threshold = sorted(projected_norms, reverse=True)[want - 1]
        for o in range(w0.shape[0]):
            for c in range(w0.shape[1]):
                n = projected_norms[o * w0.shape[1] + c]
                if w1[o, c].any() and n < threshold:
                    fail(f"{layer['node']} kept a kernel below the cut")
        print(f"{layer['node']}: {kept}/{total} kernels on "
              f"{len(library)} patterns ok")
    print("all kernels ok")


if __name__ == "__main__":
    main()
