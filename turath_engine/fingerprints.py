"""An image's fingerprint: everything the index stores about one reference image, computed once
(in a worker process when indexing in bulk)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import BadImageError
from .features import Features, default_vocabulary, orb_features, pdq_hash
from .globaldesc import default_descriptor
from .imaging import load_image


@dataclass
class Fingerprint:
    """Everything the index stores about one reference image, computed once."""

    feats: Features
    words: np.ndarray  # (n,) visual word per keypoint
    pdq: np.ndarray  # (32,) uint8
    quality: int
    gdesc: np.ndarray  # (DIM,) float32 global descriptor
    size: tuple[int, int]  # working-image (width, height)
    flags: list[str]


def fingerprint(src) -> Fingerprint:
    img = load_image(src)
    feats = orb_features(img, query=False)
    words = default_vocabulary().assign(feats.des)
    pdq, q = pdq_hash(img)
    h, w = img.rgb.shape[:2]
    return Fingerprint(feats, words, pdq, q, default_descriptor().describe(feats.des), (w, h), img.flags)


def fingerprint_job(args):
    """Worker for parallel indexing: never raises, so one bad file does not stop a batch."""
    key, path = args
    try:
        return key, path, fingerprint(path), None
    except BadImageError as e:
        return key, path, None, str(e)
    except Exception as e:  # pragma: no cover - defensive: report, don't kill the pool
        return key, path, None, f"{path}: {type(e).__name__}: {e}"
