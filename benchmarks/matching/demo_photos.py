"""Does a phone photo of a demo object find it? Recall@1 (shown, above the no-match threshold) of a
phone-like photo (20 % crop, 10° turn, 30 % darker, JPEG 60) of demo register photographs, with
the textured drawings `turath demo` makes now and, for comparison, the flat drawings before them.

    nice .venv/bin/python benchmarks/matching/demo_photos.py --per-kind 30 --queries 110
"""

import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "turath.settings")

import django  # noqa: E402

django.setup()

from turath.register import demo  # noqa: E402
from turath.register.tests.test_demo_photos import KINDS, demo_images, rank1  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-kind", type=int, default=30, help="demo photographs of each of the 11 kinds indexed")
    ap.add_argument("--queries", type=int, default=0, help="phone photos queried (0: all), spread over kinds")
    ap.add_argument("--flat", action="store_true", help="also measure the untextured drawings")
    args = ap.parse_args()
    variants = [("textured", demo.draw_image)] + ([("flat (before)", demo._draw)] if args.flat else [])
    for name, draw in variants:
        images = demo_images(args.per_kind, draw)
        if args.queries:  # interleave kinds so a partial run samples all of them
            order = [f"{k}-{i}" for i in range(args.per_kind) for k in KINDS]
            images = {k: images[k] for k in order}
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as d:
            score, missed = rank1(images, os.path.join(d, "index"), args.queries or None)
        n = args.queries or len(images)
        print(f"{name}: {len(images)} indexed, {n} phone photos, recall@1 {score:.3f} "
              f"({n - len(missed)}/{n}); missed {missed}; {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
