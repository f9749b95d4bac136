"""The demo convinces: a phone-like photo (20 % cropped, turned 10°, darker, JPEG 60) of a demo
register photograph finds its object at rank 1, shown (above the no-match threshold).

The demo photographs are drawn here, never used to train the engine's visual vocabulary or to
calibrate it. benchmarks/matching/demo_photos.py runs the same measurement at the demo's size."""

import io
import random

import numpy as np
from PIL import Image

from turath.register import demo
from turath_engine import Engine

KINDS = ["coin-gold", "coin-silver", "tile", "manuscript-kufic", "manuscript-naskh", "vessel", "lamp", "stele",
         "carpet", "seal", "astrolabe"]


def phone_photo(img: Image.Image, seed: int) -> bytes:
    """What an officer's phone gives: 20 % cropped (10 % each side, off-centre), turned 10°, 30 %
    darker, a little noise, JPEG quality 60."""
    rng = np.random.default_rng(seed)
    w, h = img.size
    dx, dy = rng.uniform(0.05, 0.15), rng.uniform(0.05, 0.15)
    img = img.crop((int(w * dx), int(h * dy), int(w * (dx + 0.8)), int(h * (dy + 0.8))))
    img = img.rotate(10 if seed % 2 else -10, expand=True, fillcolor=(40, 38, 35), resample=Image.Resampling.BILINEAR)
    arr = np.asarray(img, np.float32) * 0.7 + rng.normal(0, 3, (img.height, img.width, 3))
    out = io.BytesIO()
    Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).save(out, "JPEG", quality=60)
    return out.getvalue()


def demo_images(per_kind: int, draw=demo.draw_image) -> dict[str, Image.Image]:
    """`per_kind` demo photographs of every kind, seeded as the demo seeds them (one object each)."""
    return {f"{kind}-{i}": draw(kind, random.Random(f"{demo.DEFAULT_SEED}:{kind}-{i}:images"))
            for kind in KINDS for i in range(per_kind)}


def rank1(images: dict[str, Image.Image], index_dir, queries: int | None = None) -> tuple[float, list[str]]:
    """Index every image, query a phone photo of each of the first `queries`: the share found at
    rank 1 and shown, and the keys missed."""
    with Engine.create(str(index_dir)) as engine:
        items = []
        for key, img in images.items():
            out = io.BytesIO()
            img.save(out, "JPEG", quality=82)  # as the demo stores them
            items.append((key, out.getvalue(), {"group": key}))
        engine.add_images(items, workers=2)
        keys = list(images)[: queries or len(images)]
        missed = []
        for n, key in enumerate(keys):
            result = engine.query(images=[phone_photo(images[key], n)], top=1)
            if not result.candidates or result.candidates[0].group != key:
                missed.append(key)
    return 1 - len(missed) / len(keys), missed


def test_phone_photo_of_a_demo_image_finds_its_object(tmp_path):
    score, missed = rank1(demo_images(6), tmp_path / "index")  # 66 photographs, 6 of each kind
    assert score >= 0.95, f"rank-1 {score:.3f}; missed {missed}"
