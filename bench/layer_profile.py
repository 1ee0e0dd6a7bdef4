#!/usr/bin/python3
"""Per-layer times of a model compiled by patc, at several thread counts.

patc writes the model's C tree (--emit=c, with the given patc flags); this
script wraps every runtime call in pat_generated_run with a clock read,
builds the tree with make, and runs it with `pat-run --bench N` once per
thread count (the wrapped library prints the summed time of each call at
exit). The table gives each layer's mean time per run and how much faster
it runs with the most threads than with the fewest: the layers that do
not scale are what limits a model's multi-thread speed-up. The clock reads
add ~0.1 us per layer; numbers are means over the timed runs (pat-run's
first run and warm-up runs are not counted).

usage: layer_profile.py MODEL.onnx [--threads 1,2] [--runs 20]
                        [--patc-flags "--sparse=auto"] [--work DIR] [--bin DIR]
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
import tempfile

from benchutil import ROOT

CALL = re.compile(r"^(\s*)(pat_[a-z0-9_]+)\(ctx, .*\);\s*$")
COMMENT = re.compile(r"/\* (pat\.[a-z0-9_]+) at loc\(\"(.*)\"\) \*/")


def instrument(source):
    """Wraps each runtime call of pat_generated_run; returns the new source
    and the layer names in call order."""
    lines, out, names, label, in_run = source.split("\n"), [], [], None, False
    for line in lines:
        if line.startswith("void pat_generated_run("):
            in_run = True
        if in_run and line.startswith("  (void)ctx;"):
            out.append("  ++prof_runs;")
        comment = COMMENT.search(line)
        if in_run and comment:
            label = f"{comment.group(1)} {comment.group(2)}"
        call = CALL.match(line)
        if in_run and call:
            i = len(names)
            names.append(f"{label or '?'} [{call.group(2)}]")
            out.append(f"{call.group(1)}{{ double prof_t0 = prof_now(); "
                       f"{line.strip()} if (prof_runs > PROF_SKIP) "
                       f"prof_ms[{i}] += prof_now() - prof_t0; }}")
            continue
        out.append(line)
    if not names:
        sys.exit("layer_profile.py: found no runtime calls in model.c "
                 "(has the emitter's output format changed?)")
    header = f"""#include <stdio.h>
#include <time.h>
static double prof_ms[{len(names)}];
static int prof_runs;
static double prof_now(void) {{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}}
__attribute__((destructor)) static void prof_dump(void) {{
  for (int i = 0; i < {len(names)}; ++i)
    fprintf(stderr, "PROF %d %.6f\\n", i, prof_ms[i]);
}}
"""
    return header + "\n".join(out), names


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--patc-flags", default="")
    ap.add_argument("--work", default=None)
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"),
                    help="directory of patc and pat-run (default: build/bin)")
    args = ap.parse_args()
    bindir = args.bin
    work = args.work or tempfile.mkdtemp(prefix="pat-profile-")
    tree = os.path.join(work, "tree")
    subprocess.run([os.path.join(bindir, "patc"), args.model, "--emit=c", "-o", tree]
                   + shlex.split(args.patc_flags), check=True)
    model_c = os.path.join(tree, "model.c")
    with open(model_c) as f:
        source, names = instrument(f.read())
    with open(model_c, "w") as f:
        f.write(source)
    threads = [int(t) for t in args.threads.split(",")]
    warmup = 3
    # pat-run runs the model once, then the warm-up runs, then the timed
    # ones; only the timed runs are counted.
    subprocess.run(["make", "-s", "-B", "-C", tree,
                    f"CFLAGS=-O3 -DPROF_SKIP={1 + warmup}"], check=True)
    per_run = {}
    for t in threads:
        res = subprocess.run([os.path.join(bindir, "pat-run"), os.path.join(tree, "model.so"),
                              "--bench", str(args.runs), "--warmup", str(warmup),
                              "--threads", str(t), "--quiet"],
                             check=True, capture_output=True, text=True)
        ms = [0.0] * len(names)
        for line in res.stderr.splitlines():
            if line.startswith("PROF "):
                _, i, v = line.split()
                ms[int(i)] = float(v) / args.runs
        per_run[t] = ms
    lo, hi = threads[0], threads[-1]
    print("| # | layer | " + " | ".join(f"{t} thr (ms)" for t in threads)
          + f" | {lo} / {hi} |")
    print("|---|---|" + "---|" * len(threads) + "---|")
    for i, name in enumerate(names):
        cells = " | ".join(f"{per_run[t][i]:.3f}" for t in threads)
        ratio = per_run[lo][i] / per_run[hi][i] if per_run[hi][i] > 0 else float("nan")
        print(f"| {i} | {name} | {cells} | {ratio:.2f} |")
    totals = {t: sum(per_run[t]) for t in threads}
    print(f"| | all layers | " + " | ".join(f"{totals[t]:.2f}" for t in threads)
          + f" | {totals[lo] / totals[hi]:.2f} |")


if __name__ == "__main__":
    main()
