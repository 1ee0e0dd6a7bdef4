#!/usr/bin/python3
"""A/B timing of libraries patc built: interleaved `pat-run --bench` rounds.

Each round runs every library once (`pat-run LIB --threads T --bench N`),
in the order given, so a slow spell of the shared VM hits all of them
alike. Per library the table gives the median of the rounds' medians and
the smallest minimum (noise only ever adds time, so the minimum is the
steadier figure on a noisy VM), and each library's median relative to the
first one's. Use it to compare two builds of the same model (e.g. the
library of the last commit against this one's).

usage: ab_bench.py A.so B.so [...] [--rounds 5] [--runs 20] [--threads 1]
                   [--bin DIR]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

from benchutil import ROOT


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("libraries", nargs="+")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    args = ap.parse_args()
    pat_run = os.path.join(args.bin, "pat-run")
    medians = {lib: [] for lib in args.libraries}
    minimums = {lib: [] for lib in args.libraries}
    for _ in range(args.rounds):
        for lib in args.libraries:
            out = subprocess.run(
                [pat_run, lib, "--threads", str(args.threads), "--bench",
                 str(args.runs), "--quiet"],
                capture_output=True, text=True)
            if out.returncode != 0:
                sys.exit(f"ab_bench.py: pat-run {lib} failed:\n{out.stderr}")
            stats = json.loads(out.stdout.strip().splitlines()[-1])
            medians[lib].append(stats["median_ms"])
            minimums[lib].append(stats["min_ms"])
    first = statistics.median(medians[args.libraries[0]])
    print(f"{args.rounds} rounds of pat-run --bench {args.runs} "
          f"--threads {args.threads}")
    print("| library | median of medians (ms) | min (ms) | median / first |")
    print("|---|---|---|---|")
    for lib in args.libraries:
        med = statistics.median(medians[lib])
        print(f"| {lib} | {med:.3f} | {min(minimums[lib]):.3f} | "
              f"{med / first:.3f} |")


if __name__ == "__main__":
    main()
