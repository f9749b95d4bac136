"""Train the binary ORB visual vocabulary shipped as turath_engine/data/orb_vocab.npy (first level)
and orb_vocab_fine.npy (second level: --fine sub-words per word).

Trained on every real photo in scikit-image's data folder (both splits), at several scales,
rotations and zoomed crops, never on the benchmark's generated register images.

    .venv/bin/python benchmarks/matching/train_vocab.py --k 8192 --fine 16          # both levels
    .venv/bin/python benchmarks/matching/train_vocab.py --fine 16 --keep-coarse     # second level only
"""

import argparse
import os
import sys
import time

import cv2
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.dirname(__file__))

from photos import CLUTTER_PHOTOS, REGISTER_PHOTOS, UNUSED_PHOTOS, load  # noqa: E402

from turath_engine.features import (  # noqa: E402
    VOCAB_FILE,
    VOCAB_FINE_FILE,
    Vocabulary,
    orb_features,
    train_fine_level,
    train_vocabulary,
)
from turath_engine.imaging import load_image  # noqa: E402


def training_descriptors(zoomed_crops: bool) -> np.ndarray:
    rng = np.random.default_rng(0)
    des = []
    for name in REGISTER_PHOTOS + CLUTTER_PHOTOS + UNUSED_PHOTOS:
        rgb = load(name)
        h, w = rgb.shape[:2]
        variants = [(scale, angle) for scale in (1.0, 0.6, 0.35) for angle in (0, 30)]
        if zoomed_crops:  # more descriptors per word for the second level: finer scales, more angles
            variants += [(scale, angle) for scale in (1.6, 0.8, 0.45) for angle in (15, 45)]
        for scale, angle in variants:
            m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
            im = cv2.warpAffine(rgb, m, (w, h), borderMode=cv2.BORDER_REFLECT)
            if zoomed_crops:
                im = cv2.resize(im, (w * 2, h * 2), interpolation=cv2.INTER_CUBIC)
            f = orb_features(load_image(im), query=True, nfeatures=3000 if not zoomed_crops else 6000)
            des.append(f.des)
    d = np.concatenate(des)
    rng.shuffle(d)
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--k", type=int, default=8192)
    ap.add_argument("--fine", type=int, default=16, help="sub-words per word (0: one level only)")
    ap.add_argument("--keep-coarse", action="store_true", help="keep the shipped first level, train the second")
    ap.add_argument("--out", default=VOCAB_FILE)
    ap.add_argument("--out-fine", default=VOCAB_FINE_FILE)
    a = ap.parse_args()
    if a.keep_coarse:
        c = np.load(a.out)
    else:
        d = training_descriptors(zoomed_crops=False)
        print(f"{len(d)} descriptors, k={a.k}", file=sys.stderr)
        t = time.time()
        c = train_vocabulary(d, a.k)
        print(f"trained in {time.time() - t:.0f}s", file=sys.stderr)
        os.makedirs(os.path.dirname(a.out), exist_ok=True)
        np.save(a.out, c)
    if a.fine:
        d = training_descriptors(zoomed_crops=True)
        t = time.time()
        words = Vocabulary(c).coarse(d)
        print(f"second level: {len(d)} descriptors, {np.median(np.bincount(words, minlength=len(c))):.0f} "
              f"per word (median)", file=sys.stderr)
        fine = train_fine_level(d, words, c, a.fine)
        print(f"trained in {time.time() - t:.0f}s", file=sys.stderr)
        np.save(a.out_fine, fine)


if __name__ == "__main__":
    main()
