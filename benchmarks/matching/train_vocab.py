"""Train the binary ORB visual vocabulary shipped as turath_engine/data/orb_vocab.npy.

Trained on every real photo in scikit-image's data folder (both splits), at several scales and
rotations, never on the benchmark's generated register images.

    .venv/bin/python benchmarks/matching/train_vocab.py --k 8192
"""

import argparse
import os
import sys
import time

import cv2
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.dirname(__file__))

from photos import CLUTTER_PHOTOS, REGISTER_PHOTOS, load  # noqa: E402

from turath_engine.features import VOCAB_FILE, orb_features, train_vocabulary  # noqa: E402
from turath_engine.imaging import load_image  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--k", type=int, default=8192)
    ap.add_argument("--out", default=VOCAB_FILE)
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    des = []
    for name in REGISTER_PHOTOS + CLUTTER_PHOTOS:
        rgb = load(name)
        for scale in (1.0, 0.6, 0.35):
            for angle in (0, 30):
                h, w = rgb.shape[:2]
                m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
                im = cv2.warpAffine(rgb, m, (w, h), borderMode=cv2.BORDER_REFLECT)
                f = orb_features(load_image(im), query=True, nfeatures=3000)
                des.append(f.des)
    d = np.concatenate(des)
    rng.shuffle(d)
    print(f"{len(d)} descriptors, k={a.k}", file=sys.stderr)
    t = time.time()
    c = train_vocabulary(d, a.k)
    print(f"trained in {time.time() - t:.0f}s", file=sys.stderr)
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    np.save(a.out, c)


if __name__ == "__main__":
    main()
