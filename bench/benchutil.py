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


def fma_peak(work):
    """One core's FMA rate, {"isa", "lanes", "gmacs"}, by bench/fma_peak.c."""
    exe = os.path.join(work, "fma_peak")
    subprocess.run(["cc", "-O2", "-std=c99", os.path.join(ROOT, "bench", "fma_peak.c"),
                    "-o", exe], check=True)
    return json.loads(subprocess.run([exe], check=True, capture_output=True,
                                     text=True).stdout)
