#!/usr/bin/python3
"""How a batch-1 fully connected layer scales with threads, next to the
memory bandwidth the machine gives at the same moment.

Builds a model of one Gemm shaped like VGG-16's first FC layer (25088 x
4096, random weights, 411 MB) and an input whose share --zeros of entries
is zero (45% after VGG-16's ReLU and max-pool on the bench's random
image), compiles it with patc (which picks pat_gemv_rows_f32: only the
weight rows of non-zero inputs are read), and runs `pat-run --bench N` at
each thread count, interleaved for --rounds rounds, with a
bench/mem_bandwidth.c probe in every round. Prints per thread count the
median latency, the read rate on the rows read, and the probe's median
rate: a layer that reads at the probe's rate is bound by the memory, and
more threads cannot help it unless the probe grows with them.

usage: run_fc_bench.py [--work DIR] [--threads 1,2] [--rounds 5] [--runs 20]
                       [--zeros 0.45]
"""
import argparse
import os
import statistics
import subprocess

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from benchutil import ROOT, median_ms, mem_bandwidth

K, N = 25088, 4096


def make_model(work, zeros):
    path = os.path.join(work, "fc1.onnx")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, K)).astype(np.float32)
    x[rng.random((1, K)) < zeros] = 0.0
    np.save(os.path.join(work, "fc1-x.npy"), x)
    if os.path.exists(path):
        return path
    w = (rng.standard_normal((N, K)) * 0.01).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["x", "W", "b"], ["y"], transB=1)], "fc1",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, K])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, N])],
        [numpy_helper.from_array(w, "W"),
         numpy_helper.from_array(np.zeros(N, np.float32), "b")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.save(model, path)
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "bench-fc"))
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--zeros", type=float, default=0.45)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    model = make_model(args.work, args.zeros)
    so = os.path.join(args.work, "fc1.so")
    subprocess.run([os.path.join(args.bin, "patc"), model, "-o", so], check=True)
    x = np.load(os.path.join(args.work, "fc1-x.npy"))
    rows_read = int(np.count_nonzero(x))
    threads = [int(t) for t in args.threads.split(",")]
    times = {t: [] for t in threads}
    probes = {t: [] for t in threads}
    for _ in range(args.rounds):
        for t in threads:
            times[t].append(median_ms([os.path.join(args.bin, "pat-run"), so,
                                       os.path.join(args.work, "fc1-x.npy"),
                                       "--bench", str(args.runs), "--threads", str(t),
                                       "--quiet"]))
        bw = mem_bandwidth(args.work, max(threads))
        for t in threads:
            probes[t].append(bw[t][1])
    print(f"FC {K}x{N}, {rows_read} of {K} inputs non-zero "
          f"({rows_read * N * 4 / 1e6:.0f} MB of weights read per run), "
          f"{args.rounds} rounds")
    print("| threads | median ms | GB/s on the rows read | probe GB/s (median) |")
    print("|---|---|---|---|")
    for t in threads:
        ms = statistics.median(times[t])
        print(f"| {t} | {ms:.2f} | {rows_read * N * 4 / ms / 1e6:.1f} | "
              f"{statistics.median(probes[t]):.1f} |")


if __name__ == "__main__":
    main()
