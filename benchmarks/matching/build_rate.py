"""Image index build rate of ``python -m turath_engine index``: wall images/s and CPU ms per image
(the command's process and its worker processes, from getrusage(RUSAGE_CHILDREN)), with the load
average before and after each run; on a shared machine the CPU figure is the steadier one.

    .venv/bin/python benchmarks/matching/build_rate.py --refs /tmp/tb100k/refs --n 2000 --runs 3

``--refs`` holds the register's JPEGs as ``run.py`` writes them (r0.jpg, r1.jpg, ...); the first
``--n`` are linked into a temporary folder and indexed into a new index each run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--refs", required=True)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="build_rate_")
    folder = os.path.join(tmp, "refs")
    os.makedirs(folder)
    for i in range(a.n):
        src = os.path.join(a.refs, f"r{i}.jpg")
        if not os.path.exists(src):
            sys.exit(f"{src} missing: generate the register with run.py first")
        os.symlink(src, os.path.join(folder, f"r{i}.jpg"))
    env = dict(os.environ, PYTHONPATH=ROOT)
    try:
        for run in range(a.runs):
            out = os.path.join(tmp, "index")
            shutil.rmtree(out, ignore_errors=True)
            load0 = os.getloadavg()[0]
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            p = subprocess.run([sys.executable, "-m", "turath_engine", "index", "--images", folder, "--out", out,
                                "--workers", str(a.workers), "--no-progress"], cwd=ROOT, env=env,
                               capture_output=True, text=True)
            wall = time.perf_counter() - t0
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            if p.returncode:
                sys.exit(p.stderr)
            cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
            print(json.dumps({
                "run": run, "images": a.n, "workers": a.workers,
                "wall_images_per_s": round(a.n / wall, 1),  # the whole command, start-up included
                "cli_reported": p.stderr.strip().splitlines()[-1],  # the command's own figure (indexing only)
                "cpu_ms_per_image": round(cpu / a.n * 1000, 1),
                "load_before": round(load0, 2), "load_after": round(os.getloadavg()[0], 2)}), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
