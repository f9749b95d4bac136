"""A compact global descriptor per image, for the sub-linear first stage.

VLAD on the ORB descriptors the engine already computes (so an existing index can be given its
global descriptors from its shards, without the images): each descriptor's 256 bits, as a float
vector, are assigned to the nearest of K codewords (ASSIGN nearest, weighted 1, 1/2, ..., when
multiple assignment is switched on) and the residuals summed per codeword; power
(signed square root) and per-codeword normalisation, then a learned projection (PCA, then whitening
by the covariance of *matching* pairs, i.e. of the differences between a register image and a photo
of it) to DIM dimensions, L2-normalised. Cosine similarity = inner product.

The codebook is trained on the scikit-image photos, the projection on synthetic register images and
photos of them made with a seed the benchmark never indexes (benchmarks/matching/train_global.py).
"""

from __future__ import annotations

import functools
import hashlib
import os

import numpy as np

from .features import ones_by_label

DATA_DIR = os.path.join(os.path.dirname(__file__), "data")
# codebook (K, 256), mean (K*256,), projection (K*256, DIM) float16: .npy, as the package data ships
MODEL_FILES = {name: os.path.join(DATA_DIR, f"vlad_orb_{name}.npy") for name in ("codebook", "mean", "proj")}
# Query regions, as fractions of the feature image (x0, y0, x1, y1): the whole photo, its centre and
# four overlapping quarters, so an object that fills a part of a cluttered photo still gets a
# descriptor dominated by its own features.
REGIONS = ((0, 0, 1, 1), (0.15, 0.15, 0.85, 0.85), (0, 0, 0.62, 0.62), (0.38, 0, 1, 0.62),
           (0, 0.38, 0.62, 1), (0.38, 0.38, 1, 1))
MIN_REGION_FEATURES = 80
# Codewords per descriptor, the j-th nearest weighted 2**-j. 2 (multiple assignment) was measured
# (benchmarks/matching/RESULTS.md, 2026-12-07 "hard photos"): better in the first 100, not in the
# first 200 that the engine re-ranks, and 3 queries fewer at rank 1 end to end; so 1.
ASSIGN = 1
# Recorded by an index with its descriptors: an index whose descriptors were computed with another
# model or ASSIGN must have them recomputed (from its shards) before it is searched.
_VERSION_TAG = f"vlad-orb assign={ASSIGN}"


def _bits(des: np.ndarray) -> np.ndarray:
    return np.unpackbits(np.asarray(des, np.uint8), axis=1).astype(np.float32)


def nearest_codewords(des: np.ndarray, codebook: np.ndarray, assign: int = ASSIGN) -> np.ndarray:
    """(n, assign) the nearest codewords of each descriptor, nearest first."""
    return _nearest(_bits(des), codebook, assign)


def _nearest(bits: np.ndarray, codebook: np.ndarray, assign: int) -> np.ndarray:
    # nearest codewords by squared distance: |b|^2 is per-row constant, so argmax(2 b.c - |c|^2)
    # einsum, not @: OpenBLAS's threads spin against the other processes on a shared 2-core
    # machine (a 6x8192 by 8192x256 product took 118 ms with @, 3 ms with einsum)
    s = np.einsum("nd,kd->nk", bits, 2 * codebook) - (codebook * codebook).sum(1)
    return np.argmax(s, axis=1)[:, None] if assign == 1 else np.argsort(-s, axis=1)[:, :assign]


def raw_vlad(des: np.ndarray, codebook: np.ndarray, assign: int = ASSIGN,
             nearest: np.ndarray | None = None) -> np.ndarray:
    """(K*256,) float32 VLAD of (n, 32) uint8 ORB descriptors, power- and intra-normalised
    (``nearest``: their nearest_codewords, when already known)."""
    k = len(codebook)
    out = np.zeros((k, 256), np.float32)
    if len(des):
        bits = np.unpackbits(np.asarray(des, np.uint8), axis=1)
        if nearest is None:
            nearest = _nearest(bits.astype(np.float32), codebook, assign)
        for j in range(nearest.shape[1]):
            # a codeword's residuals summed = its descriptors' bits summed (integers, on the unpacked
            # bytes) minus their count times the codeword: 1.4 ms instead of 3.7 for 2,500 descriptors
            words, ones, count = ones_by_label(bits, nearest[:, j])
            out[words] += (ones - count[:, None] * codebook[words]) * np.float32(0.5 ** j)
        out = np.sign(out) * np.sqrt(np.abs(out))
        n = np.linalg.norm(out, axis=1, keepdims=True)
        out = out / np.maximum(n, 1e-9)
    v = out.ravel()
    return v / max(float(np.linalg.norm(v)), 1e-9)


class GlobalDescriptor:
    def __init__(self, codebook: np.ndarray, mean: np.ndarray, proj: np.ndarray):
        self.codebook = codebook.astype(np.float32)
        self.mean = mean.astype(np.float32)
        self.proj = proj.astype(np.float32)  # (raw_dim, DIM)
        self.dim = self.proj.shape[1]
        h = hashlib.sha256(_VERSION_TAG.encode())
        for a in (codebook, mean, proj):
            h.update(np.ascontiguousarray(a).tobytes())
        # what an index records with its descriptors (meta 'gdesc_version'): another value means
        # they were computed by another model and must be recomputed
        self.version = f"{_VERSION_TAG} {h.hexdigest()[:16]}"

    def project(self, raw: np.ndarray) -> np.ndarray:
        y = np.einsum("nr,rd->nd", np.atleast_2d(raw) - self.mean, self.proj)  # not @: see raw_vlad
        y /= np.maximum(np.linalg.norm(y, axis=1, keepdims=True), 1e-9)
        return y.astype(np.float32)

    def describe(self, des: np.ndarray) -> np.ndarray:
        """(DIM,) descriptor of a whole image."""
        return self.project(raw_vlad(des, self.codebook))[0]

    def describe_regions(self, des: np.ndarray, xy: np.ndarray, size: tuple[int, int]) -> np.ndarray:
        """(R, DIM): the whole query photo, then each region with enough features of its own."""
        w, h = size
        # each descriptor's codeword found once for the whole photo, not again in every region
        nearest = nearest_codewords(des, self.codebook) if len(des) else None
        raws = [raw_vlad(des, self.codebook, nearest=nearest)]
        for x0, y0, x1, y1 in REGIONS[1:]:
            m = (xy[:, 0] >= x0 * w) & (xy[:, 0] < x1 * w) & (xy[:, 1] >= y0 * h) & (xy[:, 1] < y1 * h)
            if m.sum() >= MIN_REGION_FEATURES:
                raws.append(raw_vlad(des[m], self.codebook, nearest=nearest[m]))
        return self.project(np.stack(raws))


@functools.lru_cache(maxsize=1)
def default_descriptor() -> GlobalDescriptor:
    z = {name: np.load(p) for name, p in MODEL_FILES.items()}
    return GlobalDescriptor(z["codebook"], z["mean"], z["proj"].astype(np.float32))


def save_model(codebook: np.ndarray, mean: np.ndarray, proj: np.ndarray, files: dict[str, str] = MODEL_FILES) -> None:
    np.save(files["codebook"], codebook.astype(np.float32))
    np.save(files["mean"], mean.astype(np.float32))
    np.save(files["proj"], proj.astype(np.float16))


def train_codebook(descriptors: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    import faiss

    bits = np.unpackbits(descriptors, axis=1).astype(np.float32)
    km = faiss.Kmeans(256, k, niter=20, seed=seed, verbose=False)
    km.train(bits)
    return km.centroids.astype(np.float32)


def train_projection(refs: np.ndarray, queries: np.ndarray, dim: int, pca_dim: int = 512,
                     reg: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Learned whitening (Radenović et al.): PCA to pca_dim, whiten by the covariance of the
    differences of matching pairs (ref i, photo of ref i), then PCA of the whitened references to
    dim. Returns (mean, projection (raw_dim, dim))."""
    allx = np.concatenate([refs, queries]).astype(np.float64)
    mean = allx.mean(0)
    _, _, vt = np.linalg.svd(allx - mean, full_matrices=False)
    return whiten_after_pca(refs, queries, mean, vt[:pca_dim].T, dim, reg)


def whiten_after_pca(refs: np.ndarray, queries: np.ndarray, mean: np.ndarray, p1: np.ndarray, dim: int,
                     reg: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """train_projection's steps after its first PCA ``p1`` (raw, pca_dim): whitening by the matching
    pairs' differences, PCA of the whitened references to dim."""
    r = (refs - mean) @ p1
    q = (queries - mean) @ p1
    d = q - r
    cw = d.T @ d / len(d)
    cw += reg * np.trace(cw) / len(cw) * np.eye(len(cw))
    ev, evec = np.linalg.eigh(cw)
    p2 = evec @ np.diag(ev ** -0.5) @ evec.T
    rw = r @ p2
    rw -= rw.mean(0)
    _, _, vt2 = np.linalg.svd(rw, full_matrices=False)
    p3 = vt2[:dim].T
    return mean.astype(np.float32), (p1 @ p2 @ p3).astype(np.float32)
