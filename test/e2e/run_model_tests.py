#!/usr/bin/python3
"""Whole-model tests: patc's output against ONNX Runtime on the same input.

For each .onnx model in --models, for each target and thread count, compiles
with patc, runs pat-run and ort-run.js on one seeded random input and checks
max|patc - ort| <= tol * max|ort| (tol 1e-4: relative to the output's scale).

usage: run_model_tests.py --patc P --pat-run R --ort-run JS --models DIR
       [--targets host,generic] [--threads 1,2] [--run-prefix CMD]

--run-prefix runs pat-run through an emulator, for targets this machine
cannot run: --targets aarch64 --pat-run <aarch64 pat-run>
--run-prefix "qemu-aarch64 -L /usr/aarch64-linux-gnu".
"""
import argparse
import glob
import os
import shlex
import subprocess
import sys
import tempfile

import numpy as np
import onnx


def run(cmd, warnings_fail=False):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0 or (warnings_fail and "warning:" in p.stderr):
        raise RuntimeError(f"{' '.join(cmd)}\n{p.stderr.strip()}")
    return p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--patc", required=True)
    ap.add_argument("--pat-run", required=True)
    ap.add_argument("--ort-run", required=True)
    ap.add_argument("--models", required=True)
    ap.add_argument("--targets", default="host,generic")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--sparse", default="auto",
                    help="patc --sparse modes to test, comma-separated")
    ap.add_argument("--patc-flags", default="",
                    help="extra patc flags for every compile (shell quoting)")
    ap.add_argument("--run-prefix", default="",
                    help="command (space-separated) that runs pat-run, "
                         "e.g. an emulator")
    args = ap.parse_args()
    pat_run = args.run_prefix.split() + [args.pat_run]

    passed, failed = 0, 0
    for model_path in sorted(glob.glob(os.path.join(args.models, "*.onnx"))):
        name = os.path.basename(model_path)[:-5]
        model = onnx.load(model_path)
        inits = {i.name for i in model.graph.initializer}
        with tempfile.TemporaryDirectory(prefix="patc-model-") as tmp:
            rng = np.random.default_rng(7)
            feeds = []
            for inp in model.graph.input:
                if inp.name in inits:
                    continue
                shape = [d.dim_value for d in inp.type.tensor_type.shape.dim]
                path = os.path.join(tmp, inp.name + ".in.npy")
                np.save(path, rng.standard_normal(shape).astype(np.float32))
                feeds += ["--input", f"{inp.name}={path}"]
            ref_dir = os.path.join(tmp, "ort")
            os.mkdir(ref_dir)
            run(["node", args.ort_run, model_path, "--output-dir", ref_dir] + feeds)
            variants = [(t, m) for t in args.targets.split(",")
                        for m in args.sparse.split(",")]
            for target, mode in variants:
                label = target if mode == "auto" else f"{target}, --sparse={mode}"
                if args.patc_flags:
                    label += ", " + args.patc_flags
                so = os.path.join(tmp, f"{target}-{mode}.so")
                try:
                    # A warning (e.g. --tune finding a candidate whose
                    # output differs) fails the case too.
                    run([args.patc, model_path, "--target", target,
                         f"--sparse={mode}", "-o", so] + shlex.split(args.patc_flags),
                        warnings_fail=True)
                except RuntimeError as e:
                    print(f"FAIL {name} [{label}]: patc failed: {e}")
                    failed += 1
                    continue
                for threads in args.threads.split(","):
                    case = f"{name} [{label}, {threads} thread(s)]"
                    out_dir = os.path.join(tmp, f"{target}-{mode}-{threads}")
                    os.mkdir(out_dir)
                    try:
                        run(pat_run + [so, "--quiet", "--threads", threads,
                             "--output-dir", out_dir] + feeds)
                    except RuntimeError as e:
                        print(f"FAIL {case}: {e}")
                        failed += 1
                        continue
                    worst = 0.0
                    for out in model.graph.output:
                        fname = out.name.replace("/", "_").replace(":", "_") + ".npy"
                        ref = np.load(os.path.join(ref_dir, fname)).astype(np.float64)
                        got = np.load(os.path.join(out_dir, fname)).astype(np.float64)
                        if got.shape != ref.shape:
                            worst = float("inf")
                            break
                        scale = max(np.max(np.abs(ref)), 1e-30)
                        worst = max(worst, np.max(np.abs(got - ref)) / scale)
                    ok = worst <= args.tol
                    print(f"{'ok  ' if ok else 'FAIL'} {case}: max error {worst:.2e} "
                          f"of the output scale")
                    passed += ok
                    failed += not ok
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
