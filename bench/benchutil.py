"""Helpers shared by the bench/ scripts."""
import json
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def median_ms(cmd):
    """Runs a `--bench N` command (pat-run or ort-run.js) and returns the
    median latency from the JSON line it prints last."""
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])["median_ms"]


def fma_probe(work):
    """One run of bench/fma_peak.c: {"isa", "lanes", "gmacs"}."""
    exe = os.path.join(work, "fma_peak")
    if not os.path.exists(exe):
        subprocess.run(["cc", "-O2", "-std=c99", os.path.join(ROOT, "bench", "fma_peak.c"),
                        "-o", exe], check=True)
    return json.loads(subprocess.run([exe], check=True, capture_output=True,
                                     text=True).stdout)


def fma_peak(work, previous=None):
    """One core's FMA rate: the best of 3 probes and of `previous` (an
    earlier result). Shared VMs slow down now and then; the best rate is
    what the core can do."""
    runs = [fma_probe(work) for _ in range(3)] + ([previous] if previous else [])
    return max(runs, key=lambda r: r["gmacs"])


def mem_bandwidth(work, max_threads=2):
    """bench/mem_bandwidth.c: {threads: (best, median) GB/s summed over the
    threads} for 1..max_threads threads reading one large buffer."""
    exe = os.path.join(work, "mem_bandwidth")
    if not os.path.exists(exe):
        subprocess.run(["cc", "-O2", "-std=c99", "-pthread",
                        os.path.join(ROOT, "bench", "mem_bandwidth.c"), "-o", exe], check=True)
    out = subprocess.run([exe, str(max_threads)], check=True, capture_output=True,
                         text=True).stdout
    return {r["threads"]: (r["gbs"], r["median_gbs"])
            for r in map(json.loads, out.strip().splitlines())}
