"""Image fingerprints: PDQ (global, for exact/near-duplicate shortlist and as the baseline), ORB
local features (for the bag-of-visual-words shortlist and geometric verification).

ORB rather than SIFT: on this class of machine OpenCV's SIFT costs ~180 ms per 384 px image
against ~12 ms for ORB, and the build-rate target (>= 20 images/s) rules SIFT out.
"""

from __future__ import annotations

import functools
import os
import threading
from dataclasses import dataclass

import cv2
import numpy as np

from .imaging import LoadedImage

DATA_DIR = os.path.join(os.path.dirname(__file__), "data")
VOCAB_FILE = os.path.join(DATA_DIR, "orb_vocab.npy")
# Second level: F sub-words per word. 8,192 words alone give ~10,000 postings per word at 100,000
# images, and the shortlist's cost grows with them; 8,192 x 16 keeps posting lists short.
VOCAB_FINE_FILE = os.path.join(DATA_DIR, "orb_vocab_fine.npy")

REF_SIDE = 640  # reference images: features at this longest side
REF_FEATURES = 800
QUERY_SIDE = 960  # queries are cluttered: more pixels and more features to find the object
QUERY_FEATURES = 2500
# A query photo smaller than QUERY_SIDE is enlarged at most QUERY_MAX_UPSCALE times, or to
# QUERY_MIN_SIDE if that is more. Enlarging adds no detail: a close-up taken at the register photo's
# own resolution (a partial view) lost matches blown up 2-4x, while a thumbnail of a whole object
# (128-200 px) needs enlarging for ORB's 19-pixel patches. Calibration photos at 1,000
# (benchmarks/matching/RESULTS.md, sixth session): partial views 48 -> 60 of 80 found, thumbnails 80
# of 80 either way (without enlargement 39).
QUERY_MAX_UPSCALE = 1.75
QUERY_MIN_SIDE = 480

# A query photo's coarse words are searched among the words of the COARSE_PROBE nearest of COARSE_GROUPS
# groups: 2,500 descriptors in 28-34 ms instead of 36-60 ms against all 8,192 words, 99.4 % the exact
# word; register images keep the exact word. Measured end to end (benchmarks/matching/RESULTS.md, eighth
# session).
COARSE_GROUPS = 64
COARSE_PROBE = 16
TIES_SEEN = 4  # words returned per descriptor, to apply the exact search's tie rule

# PDQ hashes a 64x64 box-filtered luminance image: it is given a copy of at most PDQ_SIDE pixels
# (area-averaged). 128 rather than 512 costs 1.2 ms instead of 6.3 ms per image (pdqhash converts
# every pixel to luminance in float64); hashes move by 9 bits of 256 (median), photo-to-register
# distances and unrelated images' distances are unchanged (benchmarks/README.md, build rate).
PDQ_SIDE = 128

cv2.setNumThreads(1)  # the caller parallelises across images; nested threads only thrash 2 cores


@dataclass
class Features:
    xy: np.ndarray  # (n, 2) float32 keypoint coordinates in the feature image
    des: np.ndarray  # (n, 32) uint8 ORB descriptors
    size: tuple[int, int]  # (width, height) of the image the features were computed on
    scale: float  # feature-image pixels per working-image pixel
    # a query's keypoints and feature image, kept so that its mirror image can be described
    # without detecting again (``mirrored``); None for register images
    keypoints: tuple | None = None
    gray: np.ndarray | None = None


@functools.lru_cache(maxsize=1)
def _clahe():
    return cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8))


def _prep_gray(img: LoadedImage, side: int) -> tuple[np.ndarray, float]:
    g = img.gray
    h, w = g.shape
    s = side / max(h, w)
    if abs(s - 1.0) > 1e-3:
        # Upscaling small query photos too: ORB's pyramid only goes down, so a small object in
        # the query would otherwise never meet the reference's full-resolution features.
        interp = cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR
        g = cv2.resize(g, (max(1, round(w * s)), max(1, round(h * s))), interpolation=interp)
    # Local contrast equalisation makes low-light and colour-cast photos look like the reference.
    return _clahe().apply(g), s


def orb_detector(n: int, query: bool):
    """OpenCV's ORB as the engine runs it: 3n candidate keypoints (``_spread`` keeps n of them)."""
    return cv2.ORB_create(nfeatures=3 * n, scaleFactor=1.2, nlevels=10 if query else 8, edgeThreshold=19,
                          patchSize=19, fastThreshold=7)


def query_side(longest: int) -> int:
    """The longest side, in pixels, a query photo whose longest side is ``longest`` is searched at."""
    return min(QUERY_SIDE, max(QUERY_MIN_SIDE, round(longest * QUERY_MAX_UPSCALE)))


def orb_features(img: LoadedImage, query: bool = False, nfeatures: int | None = None) -> Features:
    side = query_side(max(img.gray.shape)) if query else REF_SIDE
    n = nfeatures or (QUERY_FEATURES if query else REF_FEATURES)
    g, s = _prep_gray(img, side)
    orb = orb_detector(n, query)
    kps = orb.detect(g, None)
    kps = _spread(kps, n, g.shape[1], g.shape[0])
    kps, des = orb.compute(g, kps)
    if des is None or not kps:
        return _no_features((g.shape[1], g.shape[0]), s, g if query else None)
    xy = cv2.KeyPoint_convert(kps).reshape(-1, 2).astype(np.float32, copy=False)
    return Features(xy, np.ascontiguousarray(des, dtype=np.uint8), (g.shape[1], g.shape[0]), s,
                    tuple(kps) if query else None, g if query else None)


def _no_features(size: tuple[int, int], scale: float, gray: np.ndarray | None) -> Features:
    return Features(np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8), size, scale,
                    () if gray is not None else None, gray)


def mirrored(qf: Features) -> Features:
    """The query's features as its mirror image would give them (the photo flipped left to right),
    in the mirror image's coordinates: the same keypoints reflected (x -> width - 1 - x, angle ->
    180 - angle) and described again, a third of detecting anew (FAST and the orientation are
    mirror-symmetric: the descriptors equal a fresh detection's, Hamming median 0). ORB descriptors
    are not mirror-invariant, and a picture published mirrored defeats a search that ignores it."""
    if qf.keypoints is None or qf.gray is None:
        raise ValueError("mirrored() needs a query's features (orb_features(..., query=True))")
    w, h = qf.size
    g = np.ascontiguousarray(qf.gray[:, ::-1])
    if not qf.keypoints:
        return _no_features(qf.size, qf.scale, g)
    kps = [cv2.KeyPoint(w - 1 - k.pt[0], k.pt[1], k.size, (180.0 - k.angle) % 360.0, k.response, k.octave,
                        k.class_id) for k in qf.keypoints]
    kps, des = orb_detector(QUERY_FEATURES, True).compute(g, kps)
    if des is None or not kps:
        return _no_features(qf.size, qf.scale, g)
    xy = cv2.KeyPoint_convert(kps).reshape(-1, 2).astype(np.float32, copy=False)
    return Features(xy, np.ascontiguousarray(des, dtype=np.uint8), qf.size, qf.scale, tuple(kps), g)


def _spread(kps, n, w, h, grid=8):
    """Keep the n strongest keypoints subject to a per-cell quota on a grid x grid layout.

    Without it, a textured background (gravel, a patterned tablecloth) or an occluding hand takes
    all the keypoints and the object gets none.
    """
    if len(kps) <= n:
        return list(kps)
    return [kps[i] for i in _spread_indices(kps, n, w, h, grid)]


def _spread_indices(kps, n, w, h, grid=8) -> np.ndarray:
    """Indices of the keypoints ``_spread`` keeps."""
    if len(kps) <= n:
        return np.arange(len(kps))
    # arrays straight from OpenCV, not per-keypoint Python attribute reads (~1.5 ms of 2,400 keypoints)
    resp = np.fromiter((k.response for k in kps), np.float32, len(kps))
    pt = cv2.KeyPoint_convert(kps).reshape(-1, 2).astype(np.float64)
    cx = np.minimum((pt[:, 0] * grid / max(w, 1)).astype(int), grid - 1)
    cy = np.minimum((pt[:, 1] * grid / max(h, 1)).astype(int), grid - 1)
    cell = cy * grid + cx
    order = np.lexsort((-resp, cell))  # by cell, strongest first within a cell
    sc = cell[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sc)) + 1]
    # rank within its cell = position in the sorted order minus where its cell starts
    rank_in_cell = np.empty(len(kps), int)
    rank_in_cell[order] = np.arange(len(sc)) - np.repeat(starts, np.diff(np.r_[starts, len(sc)]))
    quota = max(1, n // (grid * grid))
    first = np.flatnonzero(rank_in_cell < quota)
    rest = np.flatnonzero(rank_in_cell >= quota)
    rest = rest[np.argsort(-resp[rest])][: max(0, n - len(first))]
    return np.concatenate([first, rest])[:n]


def strongest(f: Features, n: int) -> Features:
    """A query's features cut to the n strongest keypoints, spread over the image as ``orb_features``
    spreads them (matching costs in proportion to the query's descriptors)."""
    if f.keypoints is None or len(f.keypoints) <= n:
        return f
    keep = _spread_indices(f.keypoints, n, f.size[0], f.size[1])
    return Features(f.xy[keep], f.des[keep], f.size, f.scale, tuple(f.keypoints[i] for i in keep), f.gray)


def pdq_hash(img: LoadedImage, mirror: bool = False) -> tuple[np.ndarray, int]:
    """256-bit PDQ hash packed into 32 bytes, and PDQ's quality score (0-100); of the image's mirror
    image (flipped left to right) if ``mirror``."""
    import pdqhash

    rgb = np.ascontiguousarray(img.rgb[:, ::-1]) if mirror else img.rgb
    if max(rgb.shape[:2]) > PDQ_SIDE:
        s = PDQ_SIDE / max(rgb.shape[:2])
        rgb = cv2.resize(rgb, (max(1, round(rgb.shape[1] * s)), max(1, round(rgb.shape[0] * s))), interpolation=cv2.INTER_AREA)
    bits, quality = pdqhash.compute(np.ascontiguousarray(rgb))
    return np.packbits(bits.astype(np.uint8)), int(quality)


class Vocabulary:
    """Binary visual vocabulary of ORB descriptors with Hamming assignment: k-majority centroids,
    optionally refined by a second level of F sub-centroids per centroid (word = coarse * F + fine)."""

    def __init__(self, centroids: np.ndarray, fine: np.ndarray | None = None):
        import faiss

        if centroids.ndim != 2 or centroids.shape[1] != 32 or centroids.dtype != np.uint8:
            raise ValueError("vocabulary must be (k, 32) uint8")
        if fine is not None and (fine.ndim != 3 or fine.shape[0] != len(centroids) or fine.shape[2] != 32
                                 or fine.dtype != np.uint8):
            raise ValueError("fine vocabulary must be (k, F, 32) uint8")
        self.centroids = np.ascontiguousarray(centroids)
        self.fine = None if fine is None else np.ascontiguousarray(fine)
        self.f = 1 if fine is None else fine.shape[1]
        self.k = len(centroids) * self.f
        self._index = faiss.IndexBinaryFlat(256)
        self._index.add(self.centroids)
        self._nearby = None  # (IndexBinaryIVF, its quantizer): the coarse words in groups, built when first used
        self._lock = threading.Lock()

    def coarse(self, des: np.ndarray, exact: bool = True) -> np.ndarray:
        """Each descriptor's coarse word: the nearest of all, or (``exact`` false) the nearest among
        the words of the COARSE_PROBE groups nearest to it."""
        des = np.ascontiguousarray(des)
        if exact or len(self.centroids) < 4 * COARSE_GROUPS:
            _, idx = self._index.search(des, 1)
            return idx[:, 0].astype(np.int64)
        # of the words found at the smallest distance, the lowest-numbered, as the exact search picks it
        # (and the register's words were picked): without this rule 5.7 % of a photo's words differed,
        # most at the same distance; with it 0.6 % (a nearer word, or a lower-numbered one at that
        # distance, in a group not searched)
        dist, idx = self._groups().search(des, TIES_SEEN)
        tied = (dist == dist[:, :1]) & (idx >= 0)
        words = np.where(tied, idx, np.iinfo(np.int64).max).min(1)
        # the exact search where the lookup may have cut ties off, or found no word
        redo = np.flatnonzero((idx[:, 0] < 0) | tied[:, -1])
        if len(redo):
            words[redo] = self._index.search(des[redo], 1)[1][:, 0]
        return words.astype(np.int64)

    def _groups(self):
        with self._lock:
            if self._nearby is None:
                import faiss

                quantizer = faiss.IndexBinaryFlat(256)
                quantizer.add(word_groups(self.centroids, COARSE_GROUPS))
                ivf = faiss.IndexBinaryIVF(quantizer, 256, COARSE_GROUPS)
                ivf.train(self.centroids)  # no clustering: the quantizer holds its COARSE_GROUPS already
                ivf.add(self.centroids)
                ivf.nprobe = COARSE_PROBE
                self._nearby = (ivf, quantizer)
            return self._nearby[0]

    def assign_multi(self, des: np.ndarray, m: int = 1, exact: bool = True) -> np.ndarray:
        """(n, m) words: the coarse word, then the m nearest sub-words within it (soft assignment
        on the query side recovers matches that fell just across a sub-word boundary). ``exact``
        false: the coarse word searched among nearby groups (``coarse``), for query photos."""
        if len(des) == 0:
            return np.zeros((0, m if self.fine is not None else 1), np.int32)
        c = self.coarse(des, exact)
        if self.fine is None:
            return c[:, None].astype(np.int32)
        d = np.bitwise_count(np.asarray(des)[:, None, :] ^ self.fine[c]).sum(-1, dtype=np.int32)  # (n, F)
        sub = np.argsort(d, axis=1, kind="stable")[:, :m]
        return (c[:, None] * self.f + sub).astype(np.int32)

    def assign(self, des: np.ndarray) -> np.ndarray:
        return self.assign_multi(des, 1)[:, 0]


def word_groups(centroids: np.ndarray, k: int, iters: int = 6) -> np.ndarray:
    """(k, 32) centres of k groups of the coarse words (binary k-majority, Hamming assignment),
    deterministic: seeded with evenly spaced words, no random draw and no float clustering."""
    import faiss

    bits = np.unpackbits(centroids, axis=1)
    groups = np.ascontiguousarray(centroids[np.linspace(0, len(centroids) - 1, k).astype(int)])
    for _ in range(iters):
        index = faiss.IndexBinaryFlat(256)
        index.add(groups)
        _, a = index.search(centroids, 1)
        a = a[:, 0]
        present, ones, count = ones_by_label(bits, a)
        # each group's centre: the majority bit of its words (an empty group keeps its centre)
        groups[present] = np.packbits((2 * ones > count[:, None]).astype(np.uint8), axis=1)
    return groups


def ones_by_label(bits: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For (n, 256) unpacked bits (uint8 0/1) and (n,) labels: the labels present, each one's bit
    counts (int32, one row per label) and its number of rows. Sorted once, summed by ranges."""
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    ones = np.add.reduceat(bits[order], starts, axis=0, dtype=np.int32)
    return sorted_labels[starts], ones, np.diff(np.r_[starts, len(sorted_labels)])


@functools.lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    fine = np.load(VOCAB_FINE_FILE) if os.path.exists(VOCAB_FINE_FILE) else None
    return Vocabulary(np.load(VOCAB_FILE), fine)


def train_fine_level(descriptors: np.ndarray, coarse_words: np.ndarray, centroids: np.ndarray, f: int,
                     iters: int = 8, seed: int = 0) -> np.ndarray:
    """k-majority clustering of each coarse word's descriptors into f sub-centroids (Hamming)."""
    rng = np.random.default_rng(seed)
    out = np.repeat(centroids[:, None, :], f, axis=1).copy()
    order = np.argsort(coarse_words, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(coarse_words, minlength=len(centroids)))]
    for w in range(len(centroids)):
        d = descriptors[order[bounds[w]:bounds[w + 1]]]
        if len(d) == 0:
            continue
        cent = d[rng.choice(len(d), size=f, replace=len(d) < f)]
        bits = np.unpackbits(d, axis=1)
        for _ in range(iters):
            a = np.bitwise_count(d[:, None, :] ^ cent[None]).sum(-1).argmin(1)
            for j in range(f):
                members = bits[a == j]
                if len(members):
                    cent[j] = np.packbits(members.mean(0) > 0.5)
        out[w] = cent
    return out


def train_vocabulary(descriptors: np.ndarray, k: int, iters: int = 12, seed: int = 0) -> np.ndarray:
    """k-means on the unpacked bits, then binarise (k-majority): used by benchmarks/matching/train_vocab.py."""
    import faiss

    bits = np.unpackbits(descriptors, axis=1).astype(np.float32)
    km = faiss.Kmeans(256, k, niter=iters, seed=seed, verbose=False, spherical=False)
    km.train(bits)
    return np.packbits((km.centroids > 0.5).astype(np.uint8), axis=1)
