#!/usr/bin/python3
"""Times the pattern path on pattern-pruned torchvision models.

Each model (random weights) is pruned with pat-prune (--patterns 8
--connectivity 3.6 by default) and compiled twice: patc's pattern path
(--sparse=auto) and patc's dense path (--sparse=never). The two and ONNX
Runtime on the same pruned model run interleaved for --rounds rounds of one
`--bench N` call each; the table gives the median over rounds of each
round's median latency, the speed-ups, and the pattern path's GMAC/s
counted on the non-zero conv MACs (pat-prune's report) plus the dense MACs
of the layers it leaves alone.

usage: run_sparse_bench.py [--models vgg16,resnet18,resnet50] [--threads 1,2]
                           [--rounds 5] [--runs 10] [--work DIR]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def bench(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["median_ms"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="vgg16,resnet18,resnet50")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--patterns", default="8")
    ap.add_argument("--connectivity", default="3.6")
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "bench"))
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    args = ap.parse_args()
    models = args.models.split(",")
    os.makedirs(args.work, exist_ok=True)
    subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench", "export_torchvision.py"),
                    args.work] + models, check=True)
    x = os.path.join(args.work, "input.npy")
    np.save(x, np.random.default_rng(0).standard_normal((1, 3, 224, 224)).astype(np.float32))
    ort_run = os.path.join(ROOT, "tools", "ort", "ort-run.js")
    tool = lambda name: os.path.join(args.bin, name)
    rows = []
    for model in models:
        dense_onnx = os.path.join(args.work, model + ".onnx")
        pruned = os.path.join(args.work, model + "-pat.onnx")
        report = os.path.join(args.work, model + "-pat.json")
        subprocess.run([tool("pat-prune"), dense_onnx, "-o", pruned, "--patterns",
                        args.patterns, "--connectivity", args.connectivity,
                        "--report", report, "--quiet"], check=True)
        rep = json.load(open(report))
        macs = rep["conv_macs_nonzero"]
        so = {mode: os.path.join(args.work, f"{model}-pat-{mode}.so")
              for mode in ("auto", "never")}
        for mode, path in so.items():
            subprocess.run([tool("patc"), pruned, f"--sparse={mode}", "-o", path], check=True)
        for threads in args.threads.split(","):
            t = {"pattern": [], "dense": [], "ort": []}
            for _ in range(args.rounds):
                for key, mode in (("pattern", "auto"), ("dense", "never")):
                    t[key].append(bench([tool("pat-run"), so[mode], "--input", f"input={x}",
                                         "--quiet", "--threads", threads,
                                         "--bench", str(args.runs)]))
                t["ort"].append(bench(["node", ort_run, pruned, "--input", f"input={x}",
                                       "--threads", threads, "--bench", str(args.runs)]))
            p, d, o = (statistics.median(t[k]) for k in ("pattern", "dense", "ort"))
            rows.append((model, threads, p, d, o, macs / p / 1e6))
            print(f"{model:10s} {threads} thread(s): pattern {p:8.2f} ms  dense {d:8.2f} ms  "
                  f"ORT {o:8.2f} ms  ORT/pattern {o / p:5.2f}  dense/pattern {d / p:5.2f}",
                  flush=True)
    print("\n| model (pruned) | threads | patc pattern (ms) | patc dense (ms) | ORT 1.30 (ms) "
          "| ORT / pattern | dense / pattern | non-zero conv GMAC / whole-model s |")
    print("|---|---|---|---|---|---|---|---|")
    for model, threads, p, d, o, g in rows:
        print(f"| {model} | {threads} | {p:.2f} | {d:.2f} | {o:.2f} | {o / p:.2f} "
              f"| {d / p:.2f} | {g:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
