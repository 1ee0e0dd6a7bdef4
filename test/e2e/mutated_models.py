#!/usr/bin/python3
"""Feeds patc, pat-prune and pat-run seeded random corruptions of valid models.

Every corrupted model must either compile or be rejected with an error and
exit code 1: a signal (crash, abort, SIGFPE), an LLVM crash report, an
error exit without a message, or generated C that does not build fails the
test. Of the models that compile, a
share is also built and run with pat-run under the same rule. Mutations
change what an untrusted file controls: dims of initializers and graph
inputs, initializer data (truncated, or integer values such as shapes, axes,
pads and indices set to extremes), attributes, node inputs and outputs, op
types. The seeds are the models of --fixtures that compile.
Deterministic for a given --seed; failing models are kept in --work.

usage: mutated_models.py --patc P --pat-prune P --pat-run P --fixtures DIR
                         [--count 300] [--seed 1] [--work DIR]
"""
import argparse
import os
import random
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

EXTREME_INTS = [0, -1, -3, 1, 2, 7, 100, 2**31 - 1, 2**40, -(2**40)]
OP_TYPES = ["Conv", "Relu", "Gemm", "MaxPool", "Add", "Flatten", "Concat", "Reshape",
            "BatchNormalization", "GlobalAveragePool", "Transpose", "Pad", "Gather"]


def mutate_initializer_dims(rng, g):
    t = rng.choice(g.initializer)
    if t.dims:
        t.dims[rng.randrange(len(t.dims))] = rng.choice(EXTREME_INTS)


def truncate_initializer(rng, g):
    t = rng.choice(g.initializer)
    if t.raw_data:
        t.raw_data = t.raw_data[:rng.randrange(len(t.raw_data) + 1)]


def extreme_initializer_value(rng, g):
    t = rng.choice(g.initializer)
    a = numpy_helper.to_array(t).copy()
    if a.size and a.dtype.kind in "iu":
        limit = np.iinfo(a.dtype)
        v = max(limit.min, min(limit.max, rng.choice(EXTREME_INTS)))
        a.flat[rng.randrange(a.size)] = v
        t.CopyFrom(numpy_helper.from_array(a, t.name))


def mutate_attribute(rng, g):
    node = rng.choice(g.node)
    for a in node.attribute:
        if a.type == onnx.AttributeProto.INT:
            a.i = rng.choice(EXTREME_INTS)
        elif a.type == onnx.AttributeProto.INTS and a.ints:
            a.ints[rng.randrange(len(a.ints))] = rng.choice(EXTREME_INTS)
        elif a.type == onnx.AttributeProto.FLOAT:
            a.f = rng.choice([0.0, -1.0, float("nan"), float("inf"), 1e30])


def mutate_graph_input(rng, g):
    dims = g.input[0].type.tensor_type.shape.dim
    if dims:
        dims[rng.randrange(len(dims))].dim_value = rng.choice([0, 1, 5, 1000, 2**31, 2**40])


def rewire_input(rng, g):
    node = rng.choice(g.node)
    if node.input:
        other = rng.choice(g.node)
        node.input[rng.randrange(len(node.input))] = rng.choice(
            ["", "no_such_value", other.output[0] if other.output else "x"])


def drop_node(rng, g):
    del g.node[rng.randrange(len(g.node))]


def drop_node_input(rng, g):
    node = rng.choice(g.node)
    if node.input:
        del node.input[rng.randrange(len(node.input))]


def change_op_type(rng, g):
    rng.choice(g.node).op_type = rng.choice(OP_TYPES)


def duplicate_output(rng, g):
    a, b = rng.choice(g.node), rng.choice(g.node)
    if a.output and b.output:
        a.output[0] = b.output[0]


MUTATIONS = [mutate_initializer_dims, truncate_initializer, extreme_initializer_value,
             mutate_attribute, mutate_graph_input, rewire_input, drop_node,
             drop_node_input, change_op_type, duplicate_output]


def mutate(rng, model):
    g = model.graph
    for _ in range(rng.randint(1, 3)):
        fn = rng.choice(MUTATIONS)
        needs_init = fn in (mutate_initializer_dims, truncate_initializer,
                            extreme_initializer_value)
        if (needs_init and not g.initializer) or not g.node or not g.input:
            continue
        try:
            fn(rng, g)
        except (ValueError, TypeError):
            pass  # the mutation itself could not be expressed; keep the rest


def verdict(res):
    """None if the tool behaved (success, or an error message with exit 1)."""
    if res.returncode < 0:
        return f"killed by signal {-res.returncode}"
    if "Stack dump" in res.stderr or "LLVM ERROR" in res.stderr or \
            "Assertion" in res.stderr or "terminate called" in res.stderr:
        return "crash report"
    if "the C compiler failed" in res.stderr or "linking failed" in res.stderr:
        return "the generated C does not build"  # accepted model, broken code
    if res.returncode not in (0, 1):
        return f"exit code {res.returncode}"
    if res.returncode == 1 and "error" not in res.stderr:
        return "exit code 1 without an error message"
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--patc", required=True)
    ap.add_argument("--pat-prune", required=True)
    ap.add_argument("--pat-run", required=True)
    ap.add_argument("--fixtures", required=True, help="folder of valid seed models")
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--run-every", type=int, default=8,
                    help="build and run every Nth model that compiles")
    ap.add_argument("--work", default="mutated-models")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    seeds = sorted(os.path.join(args.fixtures, f) for f in os.listdir(args.fixtures)
                   if f.endswith(".onnx"))
    # Seeds are the fixtures patc compiles (the folder also holds broken
    # and hostile ones for the error tests).
    seed_models = []
    for path in seeds:
        res = subprocess.run([args.patc, path, "--target=generic", "--emit=c", "-o",
                              os.path.join(args.work, "seed.c")], capture_output=True)
        if res.returncode == 0:
            seed_models.append(onnx.load(path))
    if not seed_models:
        sys.exit(f"no model in {args.fixtures} compiles; nothing to mutate")
    rng = random.Random(args.seed)
    failures, compiled, ran = [], 0, 0
    for i in range(args.count):
        model = onnx.ModelProto()
        model.CopyFrom(rng.choice(seed_models))
        mutate(rng, model)
        path = os.path.join(args.work, f"m{i}.onnx")
        with open(path, "wb") as f:
            f.write(model.SerializeToString())
        checks = [("patc", [args.patc, path, "--target=generic", "--emit=c", "-o",
                            os.path.join(args.work, "out.c")])]
        if i % 4 == 0:
            checks.append(("pat-prune", [args.pat_prune, path, "-o",
                                         os.path.join(args.work, "pruned.onnx"), "--quiet"]))
        ok, patc_compiled = True, False
        for tool, cmd in checks:
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
            problem = verdict(res)
            if problem:
                failures.append(f"{tool} on {path}: {problem}\n{res.stderr[-800:]}")
                ok = False
            elif tool == "patc" and res.returncode == 0:
                patc_compiled = True
                compiled += 1
        if ok and patc_compiled and compiled % args.run_every == 0:
            so = os.path.join(args.work, "model.so")
            for tool, cmd in [("patc (build)", [args.patc, path, "--target=generic", "-o", so]),
                              ("pat-run", [args.pat_run, so, "--quiet"])]:
                res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
                problem = verdict(res)
                if problem:
                    failures.append(f"{tool} on {path}: {problem}\n{res.stderr[-800:]}")
                    ok = False
                if problem or res.returncode != 0:
                    break
                if tool == "pat-run":
                    ran += 1
        if ok:
            os.remove(path)
    for f in failures:
        print("FAIL:", f)
    print(f"{args.count} mutated models: {compiled} compiled, {ran} built and run, "
          f"{len(failures)} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
