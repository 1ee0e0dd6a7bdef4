#!/usr/bin/python3
"""Times patc against ONNX Runtime on torchvision models (random weights).

For each model and thread count, the two engines run alternately for
--rounds rounds (interleaved, so both see the same machine state); each round
is one `--bench N` call of pat-run and of ort-run.js on the same input. The
table reports the median over rounds of each round's median latency, and the
ratio patc / ORT.

usage: run_bench.py [--models resnet18,resnet50,vgg16,mobilenet_v2]
                    [--threads 1,2] [--rounds 5] [--runs 10] [--work DIR]
"""
import argparse
import os
import statistics
import subprocess
import sys

import numpy as np

from benchutil import ROOT, median_ms


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="resnet18,resnet50,vgg16,mobilenet_v2")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "bench"))
    ap.add_argument("--patc", default=os.path.join(ROOT, "build", "bin", "patc"))
    ap.add_argument("--pat-run", default=os.path.join(ROOT, "build", "bin", "pat-run"))
    args = ap.parse_args()
    models = args.models.split(",")
    os.makedirs(args.work, exist_ok=True)
    subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench", "export_torchvision.py"),
                    args.work] + models, check=True)
    x = os.path.join(args.work, "input.npy")
    np.save(x, np.random.default_rng(0).standard_normal((1, 3, 224, 224)).astype(np.float32))
    ort_run = os.path.join(ROOT, "tools", "ort", "ort-run.js")
    rows = []
    for model in models:
        onnx_path = os.path.join(args.work, model + ".onnx")
        so = os.path.join(args.work, model + ".so")
        subprocess.run([args.patc, onnx_path, "-o", so], check=True)
        for threads in args.threads.split(","):
            patc_ms, ort_ms = [], []
            for _ in range(args.rounds):
                patc_ms.append(median_ms([args.pat_run, so, "--input", f"input={x}", "--quiet",
                                      "--threads", threads, "--bench", str(args.runs)]))
                ort_ms.append(median_ms(["node", ort_run, onnx_path, "--input", f"input={x}",
                                     "--threads", threads, "--bench", str(args.runs)]))
            p, o = statistics.median(patc_ms), statistics.median(ort_ms)
            rows.append((model, threads, p, o, p / o))
            print(f"{model:14s} {threads} thread(s): patc {p:8.2f} ms  ORT {o:8.2f} ms  "
                  f"patc/ORT {p / o:5.2f}", flush=True)
    print("\n| model | threads | patc median (ms) | ORT 1.30 median (ms) | patc / ORT |")
    print("|---|---|---|---|---|")
    for model, threads, p, o, r in rows:
        print(f"| {model} | {threads} | {p:.2f} | {o:.2f} | {r:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
