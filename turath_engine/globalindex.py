"""The first stage's approximate-nearest-neighbour index of global descriptors.

A *snapshot* (a faiss index file, memory-mapped: exact inner product below IVF_MIN vectors, IVF with
8-bit scalar quantisation above) plus a *delta* (vectors added since, searched exactly in memory).
The vectors themselves live in the engine's SQLite database (transactional: that is the journal),
so adding is one row; deleting is the engine's live mask (the snapshot keeps the dead vector until
the next rebuild); ``rebuild`` (on flush when the delta has grown, and on compact) folds everything
into a new snapshot.

Crash safety: a snapshot is written to a temporary file, fsync'ed, renamed over the old one (atomic)
and the directory fsync'ed; only then does the caller record the new high-water mark. A crash before
the rename leaves the previous snapshot; a crash between the rename and the mark leaves a snapshot
that overlaps the delta, which searching tolerates (an id is counted once).
"""

from __future__ import annotations

import os

import numpy as np

from .errors import IndexCorruptError

# Exact search up to a quarter of a million images. Measured at 100,000 (benchmarks/matching/RESULTS.md,
# "100,000 references"): IVF with 24 of 1,264 lists probed lost the right image from the first 200 for
# 33 of 220 photos that exact search ranked there (20 of them then missed by the engine: crops,
# rotations, screens); a photo and its register image are only moderately similar, so they often fall
# into different lists. Exact search costs ~30 ms (p50) at 100,000 with 256 dimensions, ~53 ms with 512
# (engine.py makes faiss use BLAS for it); IVF takes over where that would grow past ~130 ms
# (linear growth, not measured).
IVF_MIN = 250_000
NPROBE = 24
# search_cheaply: the first COARSE_DIMS of each stored vector (the projection's strongest, a quarter of
# the memory read), then the best COARSE_POOL re-scored on every dimension
COARSE_DIMS = 128
COARSE_POOL = 200
CHEAP_PARTS = 2  # row ranges, one per query thread


def _fsync_dir(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(index, path: str) -> None:
    """Write a faiss index so that ``path`` is always either the old or the new complete file."""
    import faiss

    tmp = path + ".tmp"
    faiss.write_index(index, tmp)
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(os.path.dirname(path) or ".")


def build_index(ids: np.ndarray, vecs: np.ndarray, dim: int):
    import faiss

    n = len(ids)
    if n < IVF_MIN:
        idx = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
    else:
        nlist = int(min(65536, max(256, 4 * np.sqrt(n))))
        quant = faiss.IndexFlatIP(dim)
        idx = faiss.IndexIVFScalarQuantizer(quant, dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                            faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(0)
        sample = vecs[rng.choice(n, min(n, 40 * nlist), replace=False)]
        idx.train(np.ascontiguousarray(sample, np.float32))
    if n:
        for a in range(0, n, 100_000):  # bounded temporary memory at a million vectors
            idx.add_with_ids(np.ascontiguousarray(vecs[a:a + 100_000], np.float32), ids[a:a + 100_000].astype(np.int64))
    return idx


class GlobalIndex:
    def __init__(self, path: str, dim: int):
        self.path = path
        self.dim = dim
        self.snapshot = None
        self.delta_ids: list[int] = []
        self.delta_vecs: list[np.ndarray] = []
        self._delta_mat = None
        self._flat = None  # (vectors, ids) of an exact snapshot, read in place

    def load(self) -> None:
        import faiss

        self.snapshot = None
        self._flat = None
        if os.path.exists(self.path):
            try:
                self.snapshot = faiss.read_index(self.path, faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
            except Exception:
                raise IndexCorruptError(f"{self.path} is corrupt; open with repair=True to rebuild it") from None
            if self.snapshot.d != self.dim:
                raise IndexCorruptError(f"{self.path} has another dimension; open with repair=True to rebuild it")
            ivf = faiss.try_extract_index_ivf(self.snapshot) if hasattr(faiss, "try_extract_index_ivf") else None
            if ivf is not None:
                ivf.nprobe = NPROBE

    @property
    def ntotal(self) -> int:
        return (self.snapshot.ntotal if self.snapshot is not None else 0) + len(self.delta_ids)

    def set_delta(self, ids: list[int], vecs: list[np.ndarray]) -> None:
        self.delta_ids = list(ids)
        self.delta_vecs = list(vecs)
        self._delta_mat = None

    def add(self, iid: int, vec: np.ndarray) -> None:
        self.delta_ids.append(int(iid))
        self.delta_vecs.append(np.asarray(vec, np.float32))
        self._delta_mat = None

    def rebuild(self, ids: np.ndarray, vecs: np.ndarray) -> None:
        idx = build_index(ids, vecs, self.dim)
        write_atomic(idx, self.path)
        self.set_delta([], [])
        self.load()

    def search(self, q: np.ndarray, k: int, live: np.ndarray) -> dict[int, float]:
        """id -> best inner product over the query's vectors (rows of q), live ids only."""
        q = np.ascontiguousarray(np.atleast_2d(q), np.float32)
        best: dict[int, float] = {}
        if self.snapshot is not None and self.snapshot.ntotal:
            D, Idx = self.snapshot.search(q, min(k, self.snapshot.ntotal))
            _take(best, D, Idx, live)
        self._search_delta(q, k, live, best)
        return best

    def _search_delta(self, q: np.ndarray, k: int, live: np.ndarray, best: dict[int, float]) -> None:
        """Add the delta's best k per query vector to ``best`` (exact: the delta is small)."""
        if not self.delta_ids:
            return
        if self._delta_mat is None:
            self._delta_mat = (np.stack(self.delta_vecs), np.array(self.delta_ids, np.int64))
        mat, ids = self._delta_mat
        s = q @ mat.T
        kk = min(k, len(ids))
        top = np.argpartition(-s, kk - 1, axis=1)[:, :kk]
        _take(best, np.take_along_axis(s, top, 1), ids[top], live)

    def _flat_vectors(self):
        """(n, dim) vectors and (n,) ids of an exact snapshot, without copying; None for an IVF."""
        import faiss

        if self._flat is None and self.snapshot is not None and self.snapshot.ntotal:
            inner = faiss.downcast_index(self.snapshot.index) if hasattr(self.snapshot, "id_map") else None
            if isinstance(inner, faiss.IndexFlat):
                n = inner.ntotal
                self._flat = (faiss.rev_swig_ptr(inner.get_xb(), n * self.dim).reshape(n, self.dim),
                              faiss.vector_to_array(self.snapshot.id_map))
        return self._flat

    def search_cheaply(self, q: np.ndarray, k: int, live: np.ndarray, map_parts=map) -> dict[int, float]:
        """``search`` for a second look that must cost little: on an exact snapshot, each query vector
        meets the first COARSE_DIMS dimensions of every stored vector and its best COARSE_POOL are
        scored on all of them (the delta and an IVF snapshot are searched as usual).

        ``map_parts(fn, parts)``: how the stored vectors' parts (CHEAP_PARTS row ranges) are read, e.g.
        by several threads; the answer does not depend on it."""
        flat = self._flat_vectors()
        if flat is None:
            return self.search(q, k, live)
        vecs, ids = flat
        q = np.ascontiguousarray(np.atleast_2d(q), np.float32)
        coarse = q[:, :COARSE_DIMS] / np.maximum(np.linalg.norm(q[:, :COARSE_DIMS], axis=1, keepdims=True), 1e-9)
        pool = min(COARSE_POOL, len(ids))

        def part(rows: range) -> tuple[np.ndarray, np.ndarray]:
            # einsum, not @ (OpenBLAS's threads spin against the query's other thread; see
            # globaldesc.raw_vlad); a quarter of each row read in place: one vector at 100,000 took
            # 12-18 ms on one thread, 9 ms in two parts on two
            s = np.einsum("nd,qd->qn", vecs[rows.start:rows.stop, :COARSE_DIMS], coarse)
            top = np.argpartition(-s, min(pool, s.shape[1]) - 1, axis=1)[:, :pool]
            return np.take_along_axis(s, top, 1), top + rows.start

        step = -(-len(ids) // CHEAP_PARTS)
        parts = list(map_parts(part, [range(a, min(a + step, len(ids))) for a in range(0, len(ids), step)]))
        scores = np.concatenate([p[0] for p in parts], axis=1)
        rows = np.concatenate([p[1] for p in parts], axis=1)
        best: dict[int, float] = {}
        for j in range(len(q)):
            # the parts' best, merged: the whole's best COARSE_POOL, re-scored on every dimension
            top = rows[j][np.argpartition(-scores[j], pool - 1)[:pool]]
            exact = np.einsum("nd,d->n", vecs[top], q[j])
            order = np.argsort(-exact)[:k]
            _take(best, exact[order][None], ids[top[order]][None], live)
        self._search_delta(q, k, live, best)
        return best


def _take(best: dict[int, float], D, Idx, live: np.ndarray) -> None:
    """Keep in ``best`` each live id's highest score among rows of (scores D, ids Idx)."""
    for drow, irow in zip(D, Idx, strict=True):
        for d, i in zip(drow, irow, strict=True):
            i = int(i)
            if i < 0 or i >= len(live) or not live[i]:
                continue
            if d > best.get(i, -9.0):
                best[i] = float(d)
