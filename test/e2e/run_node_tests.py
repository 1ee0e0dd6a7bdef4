#!/usr/bin/python3
"""Runs the ONNX backend node tests for every op patc claims.

Each collected test is compiled with patc, run with pat-run on the test's
inputs, and compared with the test's expected outputs. Tests listed in
node_test_gaps.txt must fail with patc's clear error (exit 1, "patc: error:");
any other failure, a crash, or a listed gap that starts passing fails the run.

usage: run_node_tests.py --patc PATC --pat-run PATRUN [--data DIR] [-j N]
"""
import argparse
import concurrent.futures
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

# Ops patc claims (issue #2), plus what tests use around them.
CLAIMED = {
    "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
    "BatchNormalization", "Relu", "LeakyRelu", "Clip", "Sigmoid", "Tanh",
    "HardSigmoid", "HardSwish", "Add", "Sub", "Mul", "Div", "Gemm", "MatMul",
    "Flatten", "Reshape", "Concat", "Softmax", "Transpose", "Pad", "Identity",
    "Dropout",
}
HELPERS = {"Constant"}
HERE = os.path.dirname(os.path.abspath(__file__))


def collect(data_dir):
    """Tests whose ops are all claimed. Training-mode tests (Dropout with
    training_mode, BatchNormalization with training outputs) are left out:
    patc claims these ops in inference only, as issue #2 states."""
    tests = []
    for name in sorted(os.listdir(data_dir)):
        if "training" in name:
            continue
        path = os.path.join(data_dir, name, "model.onnx")
        if not os.path.exists(path):
            continue
        ops = {n.op_type for n in onnx.load(path, load_external_data=False).graph.node}
        if ops & CLAIMED and ops <= CLAIMED | HELPERS:
            tests.append(name)
    return tests


def load_pb(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def run_one(name, args):
    """Returns (status, detail): status is 'pass', 'error' (clean patc error)
    or 'fail'."""
    test_dir = os.path.join(args.data, name)
    data_dir = os.path.join(test_dir, "test_data_set_0")
    with tempfile.TemporaryDirectory(prefix="patc-node-") as tmp:
        so = os.path.join(tmp, "model.so")
        p = subprocess.run([args.patc, os.path.join(test_dir, "model.onnx"), "-o", so],
                           capture_output=True, text=True)
        if p.returncode != 0:
            msg = (p.stderr.strip().splitlines() or ["(no message)"])[-1]
            clean = p.returncode == 1 and "patc: error:" in p.stderr
            if clean and os.path.exists(so):
                return "fail", "patc failed but left an output file"
            return ("error" if clean else "fail"), msg
        model = onnx.load(os.path.join(test_dir, "model.onnx"), load_external_data=False)
        inits = {i.name for i in model.graph.initializer}
        inputs = [i.name for i in model.graph.input if i.name not in inits]
        cmd = [args.pat_run, so, "--quiet", "--threads", "2", "--output-dir", tmp]
        for i, input_name in enumerate(inputs):
            arr = load_pb(os.path.join(data_dir, f"input_{i}.pb"))
            npy = os.path.join(tmp, f"in{i}.npy")
            np.save(npy, np.array(arr, order="C"))
            cmd += ["--input", f"{input_name}={npy}"]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            return "fail", "pat-run: " + p.stderr.strip()
        for i, out in enumerate(model.graph.output):
            expected = load_pb(os.path.join(data_dir, f"output_{i}.pb"))
            safe = out.name.replace("/", "_").replace("\\", "_").replace(":", "_")
            got = np.load(os.path.join(tmp, safe + ".npy"))
            if got.shape != expected.shape:
                return "fail", f"output {out.name}: shape {got.shape} != {expected.shape}"
            if expected.dtype.kind == "f":
                ok = np.allclose(got, expected, rtol=1e-3, atol=1e-5, equal_nan=True)
            else:
                ok = np.array_equal(got, expected)
            if not ok:
                err = np.max(np.abs(got.astype(np.float64) - expected.astype(np.float64)))
                return "fail", f"output {out.name}: max abs error {err:.3g}"
    return "pass", ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--patc", required=True)
    ap.add_argument("--pat-run", required=True)
    ap.add_argument("--data", default="/usr/share/libonnx-testdata/data/node")
    ap.add_argument("--gaps", default=os.path.join(HERE, "node_test_gaps.txt"))
    ap.add_argument("-j", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--filter", default="", help="only tests containing this")
    args = ap.parse_args()

    gaps = {}
    with open(args.gaps) as f:
        for line in f:
            line = line.split("#", 1)
            name = line[0].strip()
            if name:
                gaps[name] = line[1].strip() if len(line) > 1 else ""
    tests = [t for t in collect(args.data) if args.filter in t]
    with concurrent.futures.ThreadPoolExecutor(args.j) as pool:
        results = dict(zip(tests, pool.map(lambda t: run_one(t, args), tests)))

    passed = [t for t in tests if results[t][0] == "pass"]
    bad = []
    for t in tests:
        status, detail = results[t]
        if t in gaps:
            if status == "pass":
                bad.append(f"{t}: listed as a gap but passes; remove it from the list")
            elif status == "fail":
                bad.append(f"{t}: a known gap must fail with a clean patc error: {detail}")
            else:
                print(f"gap  {t}: {detail}")
        elif status != "pass":
            bad.append(f"{t}: {detail}")
    for line in bad:
        print("FAIL " + line)
    stale = sorted(set(gaps) - set(tests))
    if stale and not args.filter:
        bad.append("gaps list names tests that were not collected: " + ", ".join(stale))
        print("FAIL " + bad[-1])
    rate = 100.0 * len(passed) / max(len(tests), 1)
    print(f"node tests: {len(tests)} collected, {len(passed)} pass ({rate:.1f}%), "
          f"{len(tests) - len(passed)} do not ({len(set(gaps) & set(tests))} documented gaps)")
    print(f"{len(passed)} passed, {len(bad)} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
