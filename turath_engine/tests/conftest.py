"""Real photographs for the engine tests: scikit-image ships them inside its wheel (offline)."""

import io
import os

import cv2
import numpy as np
import pytest
from PIL import Image

from turath_engine import Engine

PHOTOS = ["astronaut", "camera", "chelsea", "coffee", "coins", "motorcycle_left", "rocket", "page"]


def _photo(name):
    import skimage

    d = os.path.join(os.path.dirname(skimage.__file__), "data")
    for ext in (".png", ".jpg"):
        p = os.path.join(d, name + ext)
        if os.path.exists(p):
            return np.asarray(Image.open(p).convert("RGB"))
    raise FileNotFoundError(name)


@pytest.fixture(scope="session")
def photos():
    return {n: _photo(n) for n in PHOTOS}


def jpeg_bytes(rgb, q=90):
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=q)
    return buf.getvalue()


def phone_photo(rgb, angle=25, scale=0.6, gain=0.5, seed=0, clutter=None):
    """Rotated, scaled, darkened, noisy, JPEG-30 copy of rgb pasted on a background."""
    rng = np.random.default_rng(seed)
    h, w = rgb.shape[:2]
    W, H = int(w * 1.3), int(h * 1.3)
    M = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    M[:, 2] += [(W - w) / 2, (H - h) / 2]
    bg = clutter if clutter is not None else np.full((H, W, 3), 90, np.uint8)
    bg = cv2.resize(bg, (W, H))
    warped = cv2.warpAffine(rgb, M, (W, H))
    mask = cv2.warpAffine(np.full((h, w), 255, np.uint8), M, (W, H)) > 127
    out = np.where(mask[:, :, None], warped, bg).astype(np.float32) * gain
    out = np.clip(out + rng.normal(0, 4, out.shape), 0, 255).astype(np.uint8)
    return jpeg_bytes(out, 30)


@pytest.fixture(scope="session")
def built_index(tmp_path_factory, photos):
    """An index of the reference photos, two images for 'obj-cat', built once per session."""
    path = str(tmp_path_factory.mktemp("eng") / "index")
    eng = Engine.create(path)
    for name, rgb in photos.items():
        eng.add_image(f"obj-{name}:1", jpeg_bytes(rgb), {"material": "bronze" if name == "coins" else "paper"})
    # a second, cropped image of the cat object
    eng.add_image("obj-chelsea:2", jpeg_bytes(photos["chelsea"][:200, :250]), {})
    eng.close()
    return path
