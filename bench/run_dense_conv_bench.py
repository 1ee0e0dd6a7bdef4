#!/usr/bin/python3
"""Times patc's dense conv path (the GEMM kernel) against ONNX Runtime.

Each case is a chain of identical convs (+ ReLU) on one shape, so the
per-call overhead of ORT's Node.js binding is spread over many layers;
"first" is five parallel copies of ResNet's 7x7/2 first conv on 224x224
(its im2col packing is the stride-2 one). patc compiles each model with
--sparse=never, once per --gemm-kernels mode (default: auto); pat-run (each
.so) and ort-run.js alternate for --rounds rounds of one `--bench N` call
each, and the table gives medians of the per-round medians and the rate on
the model's MACs.

usage: run_dense_conv_bench.py [--cases ...] [--gemm-kernels auto,pixels,channels]
                               [--threads 1] [--rounds 5] [--runs 20]
                               [--work DIR]
"""
import argparse
import os
import statistics
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from benchutil import ROOT, median_ms

# name: (channels, map size, kernel, layers); "first" is special.
CASES = {
    "1x1-64x56": (64, 56, 1, 20), "1x1-256x56": (256, 56, 1, 10),
    "1x1-256x14": (256, 14, 1, 20), "1x1-1024x14": (1024, 14, 1, 10),
    "1x1-512x7": (512, 7, 1, 20), "1x1-2048x7": (2048, 7, 1, 5),
    "3x3-64x56": (64, 56, 3, 10), "3x3-256x14": (256, 14, 3, 10),
    "3x3-512x7": (512, 7, 3, 10), "first": None,
}


def save(path, nodes, x_shape, outputs, inits):
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in outputs], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)


def make_case(path, name, rng):
    """Writes the model; returns (input shape, MACs)."""
    if name == "first":
        nodes, inits = [], []
        for i in range(5):
            w = (rng.standard_normal((64, 3, 7, 7)) * 0.1).astype(np.float32)
            inits.append(numpy_helper.from_array(w, f"w{i}"))
            nodes.append(helper.make_node("Conv", ["x", f"w{i}"], [f"y{i}"], pads=[3] * 4,
                                          strides=[2, 2]))
        save(path, nodes, [1, 3, 224, 224], [(f"y{i}", [1, 64, 112, 112]) for i in range(5)],
             inits)
        return [1, 3, 224, 224], 5 * 64 * 3 * 49 * 112 * 112
    c, hw, k, layers = CASES[name]
    nodes, inits, prev = [], [], "x"
    for i in range(layers):
        w = (rng.standard_normal((c, c, k, k)) / np.sqrt(c * k * k)).astype(np.float32)
        inits.append(numpy_helper.from_array(w, f"w{i}"))
        nodes.append(helper.make_node("Conv", [prev, f"w{i}"], [f"c{i}"], pads=[k // 2] * 4))
        out = "y" if i == layers - 1 else f"r{i}"
        nodes.append(helper.make_node("Relu", [f"c{i}"], [out]))
        prev = out
    save(path, nodes, [1, c, hw, hw], [("y", [1, c, hw, hw])], inits)
    return [1, c, hw, hw], c * c * k * k * hw * hw * layers


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--gemm-kernels", default="auto",
                    help="patc --gemm-kernel modes to compare, comma-separated")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--work", default="/tmp/patc-dense-bench")
    ap.add_argument("--patc", default=os.path.join(ROOT, "build", "bin", "patc"))
    ap.add_argument("--pat-run", default=os.path.join(ROOT, "build", "bin", "pat-run"))
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    ort_run = os.path.join(ROOT, "tools", "ort", "ort-run.js")
    rng = np.random.default_rng(0)
    rows = []
    for name in args.cases.split(","):
        if name not in CASES:
            sys.exit(f"run_dense_conv_bench.py: unknown case '{name}' (known: {', '.join(CASES)})")
        base = os.path.join(args.work, name)
        shape, macs = make_case(base + ".onnx", name, rng)
        x = base + "-x.npy"
        np.save(x, rng.standard_normal(shape).astype(np.float32))
        modes = args.gemm_kernels.split(",")
        for mode in modes:
            subprocess.run([args.patc, base + ".onnx", "--sparse=never",
                            f"--gemm-kernel={mode}", "-o", f"{base}-{mode}.so"], check=True)
        bench = ["--threads", str(args.threads), "--bench", str(args.runs)]
        patc_ms, ort_ms = {m: [] for m in modes}, []
        for _ in range(args.rounds):
            for mode in modes:
                patc_ms[mode].append(median_ms([args.pat_run, f"{base}-{mode}.so", x, "--quiet"]
                                               + bench))
            ort_ms.append(median_ms(["node", ort_run, base + ".onnx", "--input", f"x={x}",
                                     "--output-dir", args.work] + bench))
        p = {m: statistics.median(patc_ms[m]) for m in modes}
        o = statistics.median(ort_ms)
        rows.append((name, p, o, macs))
        print(f"{name:12s} " + "  ".join(f"patc[{m}] {p[m]:8.3f} ms" for m in modes)
              + f"  ORT {o:8.3f} ms", flush=True)
    print("\n| case | " + " | ".join(f"patc {m} (ms)" for m in modes)
          + " | ORT 1.30 (ms) | " + " | ".join(f"{m} / ORT" for m in modes)
          + " | best patc GMAC/s | ORT GMAC/s |")
    print("|---|" + "---|" * (2 * len(modes) + 3))
    for name, p, o, macs in rows:
        best = min(p.values())
        print(f"| {name} | " + " | ".join(f"{p[m]:.3f}" for m in modes) + f" | {o:.3f} | "
              + " | ".join(f"{p[m] / o:.2f}" for m in modes)
              + f" | {macs / best / 1e6:.1f} | {macs / o / 1e6:.1f} |")

if __name__ == "__main__":
    main()
