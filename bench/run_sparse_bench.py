#!/usr/bin/python3
"""Times the pattern path on pattern-pruned torchvision models.

Each model (random weights) is pruned with pat-prune (--patterns 8
--connectivity 3.6 by default) and compiled twice: patc's pattern path
(--sparse=auto) and patc's dense path (--sparse=never). The two and ONNX
Runtime on the same pruned model run interleaved for --rounds rounds of one
`--bench N` call each; the table gives the median over rounds of each
round's median latency, the speed-ups, and the pattern path's GMAC/s
counted on the non-zero conv MACs (pat-prune's report) plus the dense MACs
of the layers it leaves alone. The thread counts run inside each round,
and the last column is the pattern path's speed-up over the first thread
count, taken round by round (the two medians of one round) and then the
median over rounds: the shared VM's speed drifts too much between separate
sweeps for a ratio of two sweeps' medians. Each round also probes the
memory read bandwidth (bench/mem_bandwidth.c, 1 thread): a neighbour on
the host that takes it slows the memory-bound layers without showing in
the FMA probe, and the table gives its median next to each model.

With --filter-groups 1,2 each model is also pruned with pat-prune
--filter-group 2 (pairs of filters share their kernels' channels and
patterns, which patc's two-filter tiles exploit); rows are labelled g1/g2.
The FMA peak of one core (bench/fma_peak.c) is measured in the same run.

With --tuned the pattern path is also compiled with `patc --tune` (per-layer
timing of the candidate tiles and kernels on this machine, docs/tuning.md)
and timed in the same rounds.

usage: run_sparse_bench.py [--models vgg16,resnet18,resnet50] [--threads 1,2]
                           [--rounds 5] [--runs 10] [--filter-groups 1,2]
                           [--work DIR] [--tuned]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

import numpy as np

from benchutil import ROOT, fma_peak, median_ms, mem_bandwidth


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="vgg16,resnet18,resnet50")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--patterns", default="8")
    ap.add_argument("--connectivity", default="3.6")
    ap.add_argument("--filter-groups", default="1",
                    help="pat-prune --filter-group values to run, e.g. 1,2")
    ap.add_argument("--work", default=os.path.join(ROOT, "build", "bench"))
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    ap.add_argument("--tuned", action="store_true",
                    help="also time the pattern path compiled with patc --tune")
    args = ap.parse_args()
    models = args.models.split(",")
    os.makedirs(args.work, exist_ok=True)
    subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "bench", "export_torchvision.py"),
                    args.work] + models, check=True)
    x = os.path.join(args.work, "input.npy")
    np.save(x, np.random.default_rng(0).standard_normal((1, 3, 224, 224)).astype(np.float32))
    ort_run = os.path.join(ROOT, "tools", "ort", "ort-run.js")
    tool = lambda name: os.path.join(args.bin, name)
    peak = fma_peak(args.work)
    print(f"FMA peak (1 core, {peak['isa']}): {peak['gmacs']:.1f} GMAC/s", flush=True)
    rows = []
    for model, group in ((m, g) for m in models for g in args.filter_groups.split(",")):
        dense_onnx = os.path.join(args.work, model + ".onnx")
        label = f"{model} g{group}"
        pruned = os.path.join(args.work, f"{model}-pat-g{group}.onnx")
        report = os.path.join(args.work, f"{model}-pat-g{group}.json")
        subprocess.run([tool("pat-prune"), dense_onnx, "-o", pruned, "--patterns",
                        args.patterns, "--connectivity", args.connectivity,
                        "--filter-group", group, "--report", report, "--quiet"],
                       check=True)
        rep = json.load(open(report))
        macs = rep["conv_macs_nonzero"]
        variants = [("pattern", "auto"), ("dense", "never")]
        if args.tuned:
            variants.append(("tuned", "tuned"))
        so = {mode: os.path.join(args.work, f"{model}-pat-g{group}-{mode}.so")
              for _, mode in variants}
        for mode, path in so.items():
            flags = ["--sparse=auto", "--tune"] if mode == "tuned" else [f"--sparse={mode}"]
            subprocess.run([tool("patc"), pruned, "-o", path] + flags, check=True)
        # The libraries just written (up to ~500 MB for VGG-16) are dirty in
        # the page cache; their writeback would run during the first cells.
        os.sync()
        # Rounds outermost and the thread counts inside each round, so the
        # multi-thread speed-up compares runs minutes apart at most: the
        # shared VM's speed drifts more than that between separate sweeps.
        counts = args.threads.split(",")
        t = {(n, key): [] for n in counts for key in ("pattern", "dense", "ort", "tuned")}
        # A neighbour on the host that takes memory bandwidth slows the
        # memory-bound layers (FC, 224x224 maps) without showing in the FMA
        # probe: one bandwidth probe per round, reported with the cells.
        bandwidths = []
        for _ in range(args.rounds):
            bandwidths.append(mem_bandwidth(args.work, 1)[1][1])
            for threads in counts:
                for key, mode in variants:
                    t[threads, key].append(median_ms(
                        [tool("pat-run"), so[mode], "--input", f"input={x}", "--quiet",
                         "--threads", threads, "--bench", str(args.runs)]))
                t[threads, "ort"].append(median_ms(["node", ort_run, pruned, "--input", f"input={x}",
                                                    "--threads", threads, "--bench", str(args.runs)]))
        for threads in counts:
            p, d, o = (statistics.median(t[threads, k]) for k in ("pattern", "dense", "ort"))
            tu = statistics.median(t[threads, "tuned"]) if args.tuned else None
            # The pattern path's speed-up over the first thread count, round
            # by round (both medians from the same round), then the median.
            scale = statistics.median(a / b for a, b in zip(t[counts[0], "pattern"],
                                                             t[threads, "pattern"]))
            bw = statistics.median(bandwidths)
            rows.append((label, threads, p, d, o, macs / p / 1e6, tu, scale, bw))
            print(f"{label:12s} {threads} thread(s): pattern {p:8.2f} ms  dense {d:8.2f} ms  "
                  f"ORT {o:8.2f} ms  ORT/pattern {o / p:5.2f}  dense/pattern {d / p:5.2f}  "
                  f"speed-up over {counts[0]} thread(s) {scale:4.2f}  memory {bw:4.1f} GB/s"
                  + (f"  tuned {tu:8.2f} ms  ORT/tuned {o / tu:5.2f}" if tu else ""),
                  flush=True)
    peak = fma_peak(args.work, peak)  # again: the machine may have been slow at first
    print(f"\nFMA peak: {peak['gmacs']:.1f} GMAC/s per core ({peak['isa']})")
    # VGG-16's fully connected layers stream 494 MB of weights per run: their
    # speed, and how it scales with threads, is the memory bandwidth's.
    bandwidth = mem_bandwidth(args.work, max(int(t) for t in args.threads.split(",")))
    print("memory read bandwidth: " + ", ".join(
        f"{t} thread(s) {best:.1f} GB/s (median {median:.1f})"
        for t, (best, median) in sorted(bandwidth.items())))
    tuned_head = " patc tuned (ms) | ORT / tuned |" if args.tuned else ""
    print("\n| model (pruned, filter group) | threads | patc pattern (ms) | patc dense (ms) | ORT 1.30 (ms) "
          "| ORT / pattern | dense / pattern | non-zero conv GMAC / whole-model s "
          "| pattern speed-up over the first thread count (per round) "
          "| memory GB/s (1 thread, median of the rounds' probes) |" + tuned_head)
    print("|---|---|---|---|---|---|---|---|---|---|" + ("---|---|" if args.tuned else ""))
    for model, threads, p, d, o, g, tu, scale, bw in rows:
        print(f"| {model} | {threads} | {p:.2f} | {d:.2f} | {o:.2f} | {o / p:.2f} "
              f"| {d / p:.2f} | {g:.1f} | {scale:.2f} | {bw:.1f} |"
              + (f" {tu:.2f} | {o / tu:.2f} |" if tu else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
