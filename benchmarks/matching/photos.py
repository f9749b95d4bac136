"""Real photographs that ship offline inside the scikit-image wheel (skimage/data/*.png|jpg).

They are split once, by name, into photos whose content may appear in register images and photos
used only as clutter / out-of-register content, so that a background never contains a reference.
"""

from __future__ import annotations

import os

import numpy as np
from PIL import Image

# Photographs (not diagrams, not tiny binaries) found in scikit-image 0.26.0's data folder.
REGISTER_PHOTOS = ["astronaut", "camera", "chelsea", "coffee", "coins", "motorcycle_left", "rocket",
                   "retina", "hubble_deep_field", "ihc", "page", "moon", "text", "color"]
# motorcycle_right is NOT clutter: it is the other half of a stereo pair with motorcycle_left, the
# same motorcycle a few centimetres to the side, so tables made with it contained a register object
# and the engine (rightly) matched it: the first 10,000-image run counted those as false matches.
CLUTTER_PHOTOS = ["brick", "grass", "gravel", "clock_motion", "cell"]
UNUSED_PHOTOS = ["motorcycle_right"]  # kept for the vocabulary training only (train_vocab.py)


def data_dir() -> str:
    import skimage

    return os.path.join(os.path.dirname(skimage.__file__), "data")


def load(name: str) -> np.ndarray:
    d = data_dir()
    for ext in (".png", ".jpg"):
        p = os.path.join(d, name + ext)
        if os.path.exists(p):
            return np.asarray(Image.open(p).convert("RGB"))
    raise FileNotFoundError(name)


def load_all(names) -> dict[str, np.ndarray]:
    return {n: load(n) for n in names}
