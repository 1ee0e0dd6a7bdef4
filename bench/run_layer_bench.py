#!/usr/bin/python3
"""Times single pattern-pruned 3x3 conv layers against the machine's FMA peak.

Each layer (Conv 3x3 pad 1 + ReLU, C -> C channels on an HxW map, random
weights) is pruned with pat-prune (--patterns 8 --connectivity 3.6 by
default) and compiled twice, --sparse=always and --sparse=never; the two run
interleaved for --rounds rounds of one `pat-run --bench N` call each (medians
of medians). bench/fma_peak.c measures the core's FMA rate next to each
round (the shared VM's speed drifts by 20% or more over minutes); a layer's
share of the peak is against the median of its own probes.
Per layer the table gives the pattern path's rate on the non-zero MACs, as a
share of that peak (issue #3's target: >= 50% on layers of >= 64 channels),
and its speed-up over the dense path as a share of the MAC reduction
(target: >= 60%).

usage: run_layer_bench.py [--layers 64x224,128x112,...] [--threads 1]
                          [--rounds 5] [--runs 20] [--filter-group G]
                          [--work DIR]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from benchutil import ROOT, fma_peak, fma_probe, median_ms
# VGG-16's 3x3 layer shapes (channels x map size), ResNet's stage shapes,
# and a stride-2 layer (CxHsN: stride N).
DEFAULT_LAYERS = "64x224,128x112,256x56,512x28,512x14,64x56,128x28,256x14,512x7,128x56s2"


def parse_layer(spec):
    c, rest = spec.split("x")
    h, _, s = rest.partition("s")
    return int(c), int(h), int(s or 1)


def make_layer(path, c, h, stride, seed):
    rng = np.random.default_rng(seed)
    w = (rng.standard_normal((c, c, 3, 3)) * (2.0 / (9 * c)) ** 0.5).astype(np.float32)
    b = (rng.standard_normal(c) * 0.1).astype(np.float32)
    oh = (h + 2 - 3) // stride + 1
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w", "b"], ["y"], name="conv", kernel_shape=[3, 3],
                          pads=[1, 1, 1, 1], strides=[stride, stride]),
         helper.make_node("Relu", ["y"], ["out"], name="relu")],
        "layer",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, h, h])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, c, oh, oh])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.save(model, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--layers", default=DEFAULT_LAYERS)
    ap.add_argument("--threads", default="1")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--patterns", default="8")
    ap.add_argument("--connectivity", default="3.6")
    ap.add_argument("--filter-group", default="1",
                    help="pat-prune --filter-group (2: pairs of filters share kernels)")
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "bench-layers"))
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    tool = lambda name: os.path.join(args.bin, name)
    peak = fma_peak(args.work)
    print(f"FMA peak (1 core, {peak['isa']}): {peak['gmacs']:.1f} GMAC/s", flush=True)
    rows = []
    for i, spec in enumerate(args.layers.split(",")):
        c, h, stride = parse_layer(spec)
        dense = os.path.join(args.work, f"L{spec}.onnx")
        pruned = os.path.join(args.work, f"L{spec}-pat.onnx")
        report = os.path.join(args.work, f"L{spec}-pat.json")
        make_layer(dense, c, h, stride, seed=i)
        subprocess.run([tool("pat-prune"), dense, "-o", pruned, "--patterns", args.patterns,
                        "--connectivity", args.connectivity,
                        "--filter-group", args.filter_group, "--report", report,
                        "--quiet"], check=True)
        rep = json.load(open(report))
        nonzero, total = rep["conv_macs_nonzero"], rep["conv_macs_dense"]
        so = {}
        for mode in ("always", "never"):
            so[mode] = os.path.join(args.work, f"L{spec}-{mode}.so")
            subprocess.run([tool("patc"), pruned, f"--sparse={mode}", "-o", so[mode]],
                           check=True)
        x = os.path.join(args.work, f"L{spec}-x.npy")
        np.save(x, np.random.default_rng(i).standard_normal((1, c, h, h)).astype(np.float32))
        for threads in args.threads.split(","):
            t = {"always": [], "never": []}
            probes = []  # the FMA rate next to each round: the VM's speed drifts
            for _ in range(args.rounds):
                probes.append(fma_probe(args.work)["gmacs"])
                for mode in t:
                    t[mode].append(median_ms([tool("pat-run"), so[mode], "--input", f"x={x}",
                                          "--quiet", "--threads", threads,
                                          "--bench", str(args.runs)]))
            p, d = statistics.median(t["always"]), statistics.median(t["never"])
            rate = nonzero / p / 1e6
            reduction = total / nonzero
            local_peak = statistics.median(probes)
            row = (spec, threads, p, d, rate, rate / (local_peak * int(threads)),
                   d / p, d / p / reduction, reduction)
            rows.append(row)
            print(f"{spec:10s} {threads}t: pattern {p:7.3f} ms  dense {d:7.3f} ms  "
                  f"{rate:5.1f} GMAC/s ({row[5]:4.0%} of peak)  dense/pattern {d / p:5.2f} "
                  f"= {row[7]:4.0%} of the {reduction:.1f}x MAC reduction", flush=True)
    peak = fma_peak(args.work, peak)
    print(f"\nFMA peak: {peak['gmacs']:.1f} GMAC/s per core ({peak['isa']})\n")
    print("Shares of the peak use the median of the probes run next to each layer's rounds.\n")
    print("| layer (C x H, stride) | threads | pattern (ms) | dense (ms) | non-zero GMAC/s "
          "| of FMA peak | dense / pattern | of MAC reduction |")
    print("|---|---|---|---|---|---|---|---|")
    for spec, threads, p, d, rate, share, speedup, of_red, red in rows:
        print(f"| {spec} | {threads} | {p:.3f} | {d:.3f} | {rate:.1f} | {share:.0%} "
              f"| {speedup:.2f} | {of_red:.0%} of {red:.1f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
