#!/usr/bin/env python3
"""Checks a pat-prune result kernel by kernel against the original model and
the JSON report: every pruned layer's kernels are zero or the original
values on exactly one library pattern (the one keeping the most L2 norm),
ceil(kernels / R) kernels survive and they are the largest, skipped layers
are untouched. With --filter-group G the same holds for units (the kernels
of G consecutive filters at one channel: one pattern, kept or removed
together, chosen by summed norms). Prints one line per layer; exits 1 on the first mismatch.

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
    group = report["options"].get("filter_group", 1)
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
        # Units pruned together: the kernels of `group` consecutive filters
        # at one input channel (--filter-group; 1: every kernel alone).
        cout, cin = w0.shape[:2]
        units = [[(o, c) for o in range(g, min(g + group, cout))]
                 for g in range(0, cout, group) for c in range(cin)]
        unit_norms = []
        kept_units = kept = 0
        for unit in units:
            # The library pattern keeping the most squared norm of the unit
            # (first one on ties), as pat-prune's projection chooses.
            norms = [sum(float((w0[o, c][m] ** 2).sum()) for o, c in unit)
                     for m in library]
            best = library[int(np.argmax(norms))]
            unit_norms.append(max(norms))
            alive = [w1[o, c].any() for o, c in unit]
            if any(alive) and not all(
                    alive[i] or not w0[o, c][best].any() for i, (o, c) in enumerate(unit)):
                fail(f"{layer['node']} unit at {unit[0]} is partly removed")
            kept_units += any(alive)
            for o, c in unit:
                k0, k1 = w0[o, c], w1[o, c]
                if not k1.any():
                    continue
                kept += 1
                if not np.array_equal(k1[best], k0[best]) or k1[~best].any():
                    fail(f"{layer['node']} kernel ({o}, {c}) is not the "
                         "original projected onto its unit's best pattern")
        total = cout * cin
        want = min(len(units), math.ceil(len(units) / layer["connectivity"] - 1e-9))
        if kept_units != want or kept != layer["non_empty_kernels"]:
            fail(f"{layer['node']} keeps {kept_units} units of {group}, expected "
                 f"{want} (report says {layer['non_empty_kernels']} kernels)")
        # Survivors are the units with the largest projected norm.
        threshold = sorted(unit_norms, reverse=True)[want - 1]
        for unit, n in zip(units, unit_norms):
            if any(w1[o, c].any() for o, c in unit) and n < threshold:
                fail(f"{layer['node']} kept a unit below the cut")
        print(f"{layer['node']}: {kept}/{total} kernels on "
              f"{len(library)} patterns ok")
    print("all kernels ok")


if __name__ == "__main__":
    main()
