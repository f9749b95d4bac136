"""From a query photo to verified evidence per reference image: the first stage's shortlist (global
descriptors' ANN search re-ranked by word matches, or the inverted file), PDQ near-duplicates, then
two-stage geometric verification."""

from __future__ import annotations

import itertools
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .features import mirrored, orb_features, pdq_hash, strongest
from .fusion import Allowed, KeyGroup, allowed
from .globaldesc import default_descriptor
from .images import ImageIndex
from .imaging import load_image
from .verify import QueryDescriptors, ransac, verify
from .visual_words import word_matches

SHORTLIST = 60  # candidates that get the cheap RANSAC on word matches (~0.5 ms each)
REFINE = 3  # of those, how many get full descriptor matching (~10-15 ms each) ...
REFINE_TOP = 10  # ... plus the first few of the shortlist order, whatever stage A said (~3 ms each)
# ... plus the first stage's own best few: on photos of a screen and cluttered tables the word matches
# of the right image are too few for stage A (0 inliers) while full matching finds 30-60
# (benchmarks/matching/RESULTS.md, "where hard photos are lost"). 5, not 10, since the 512-dimension
# descriptor: the same ranks at 1,000 and at 100,000 on the calibration and the evaluation photos,
# 40-75 ms less CPU per check (RESULTS.md, 2026-12-07 fifth session).
REFINE_GLOBAL = 5
PDQ_NEAR = 70  # Hamming distance (of 256) under which a PDQ neighbour joins the shortlist
# The PDQ hash's nearest few are verified in full whatever their distance: an occluded photo keeps
# the whole image's layout (PDQ's first answer) while its features are half clutter.
PDQ_REFINE = 5
QUERY_SOFT_WORDS = 2  # sub-words per query descriptor (see Vocabulary.assign_multi)
GLOBAL_K = 200  # first-stage shortlist (per query region, fused by best similarity)
# A picture published mirrored (left and right swapped: a seller's flipped copy of a catalogue photo,
# a phone's front camera) has other ORB descriptors than the register photo, and nothing matches.
# When a photo finds no confident match, its mirror image is searched too, more cheaply: the
# descriptors at the reflected keypoints (no second detection); the first stage's best 10 for its
# whole-image descriptor, searched cheaply, and its PDQ near-duplicates, matched in full with its 1,000
# strongest keypoints; no word matches. Photos that found their object pay nothing; the others ~35 ms
# at 100,000 (calibration photos at 100,000: 10 candidates find 15 of 20 mirrored copies, 3 or 5 find
# 13; 1,000 keypoints for the descriptor too lost 3 of 20 evaluation photos). RESULTS.md, seventh and
# eighth sessions (~56 ms before the mirror image was prepared while the first stage runs).
MIRROR_GLOBAL = 10
MIRROR_PDQ_REFINE = 5  # at most, within PDQ_NEAR
MIRROR_FEATURES = 1000

# One photo's work is shared by two threads: the first stage (a matrix product over every register
# vector, memory-bound) runs beside the word assignment, PDQ and the full matching of PDQ's nearest;
# the first stage's best are matched on the pool's thread while the word matches are found; the
# other verifications are taken item by item by both. faiss, OpenCV and numpy's large operations
# release the GIL; the results do not depend on the thread count (RHO's sampler is seeded per call).
# SQLite stays on the caller's thread. TURATH_QUERY_THREADS=1 turns it off.
_POOL: tuple[ThreadPoolExecutor, int] | None = None
_POOL_LOCK = threading.Lock()
_POOL_THREAD = "turath-query"  # the pool's threads' name prefix


def query_threads() -> int:
    try:
        return max(1, int(os.environ.get("TURATH_QUERY_THREADS", "")))
    except ValueError:
        return max(1, min(2, os.cpu_count() or 1))


def _one_omp_thread() -> None:
    # OpenMP's thread count is per thread: a new thread would run faiss (and its OpenMP BLAS) on every
    # core again, spinning against this process's other thread (measured: p95 from 0.36 s to 7-13 s)
    import faiss

    faiss.omp_set_num_threads(1)


def _pool() -> tuple[ThreadPoolExecutor | None, int]:
    """The query threads beside the caller's, and how many threads share a photo's work in all."""
    global _POOL
    n = query_threads()
    if n < 2:
        return None, 1
    with _POOL_LOCK:
        if _POOL is None or _POOL[1] != n:
            _POOL = (ThreadPoolExecutor(n - 1, thread_name_prefix=_POOL_THREAD, initializer=_one_omp_thread), n)
        return _POOL


def _in_parallel(fn, items: list) -> list:
    """[fn(x) for x in items], shared between this thread and the pool's (order kept).

    Both threads take the next item until none is left, so the pool's thread joins in as soon as it
    is free (it may still be matching the first stage's best, queued before) and neither waits on a
    fixed half of unequal items."""
    pool, n = _pool()
    # on a pool thread, waiting for work queued behind it on the same pool could wait forever
    if pool is None or len(items) < 2 or threading.current_thread().name.startswith(_POOL_THREAD):
        return [fn(x) for x in items]
    out = [None] * len(items)
    taken = itertools.count()  # next() on it is atomic under the GIL

    def work():
        while (k := next(taken)) < len(items):
            out[k] = fn(items[k])

    helpers = [pool.submit(work) for _ in range(n - 1)]
    work()
    for f in helpers:
        f.result()
    return out


def _first_stage(images: ImageIndex, qf) -> list[int]:
    qv = default_descriptor().describe_regions(qf.des, qf.xy, qf.size)
    sims = images.gidx.search(qv, GLOBAL_K, images.live)
    return sorted(sims, key=lambda i: -sims[i])[:GLOBAL_K]


def search_photo(images: ImageIndex, src, qi: int, allowed_keys: Allowed, per_image: dict[int, dict],
                 flags: list[str], confident_inliers: int | None = None) -> None:
    """Add the verified matches of query photo number ``qi`` to ``per_image`` (image id -> evidence;
    the best of several photos is kept). If no image has ``confident_inliers`` after it, the photo's
    mirror image is searched too (None: never). Raises BadImageError: the caller must know."""
    img = load_image(src)
    pool = None if images.uses_words else _pool()[0]
    # the PDQ hashes need no features: the other thread computes them while this one detects them
    hashed = pool.submit(_pdq_hashes, img, confident_inliers is not None and images.pdq.ntotal > 0) if pool else None
    qf = orb_features(img, query=True)
    if len(qf.des) < 30:
        flags.append(f"image{qi}:low_texture")
    first = pool.submit(_first_stage, images, qf) if pool else None
    soft = images.vocab.assign_multi(qf.des, QUERY_SOFT_WORDS, exact=False)
    qkp = np.repeat(np.arange(len(qf.des)), soft.shape[1])
    pdq, mirror_pdq = hashed.result() if hashed else _pdq_hashes(img, False)
    full = _FullMatching(images, qf, img)
    if images.pdq.ntotal:
        D, Idx = images.pdq.search(pdq.reshape(1, 32), min(10, images.pdq.ntotal))
        near = [(int(i), int(d)) for d, i in zip(D[0], Idx[0], strict=True) if i >= 0 and d <= PDQ_NEAR]
        pdq_refine = [int(i) for i in Idx[0][:PDQ_REFINE] if i >= 0]
    else:
        near, pdq_refine = [], []
    # PDQ's nearest are matched in full whatever the first stage says, so they are matched now, on
    # this thread, while the first stage's search still runs on the other (it waited ~50 ms here)
    full.run(pdq_refine, parallel=False)
    mirror = _MirrorImage(images, img, qf, mirror_pdq) if confident_inliers is not None else None
    if mirror is not None and first is not None:
        mirror.prepare_while(first)
    if images.uses_words:
        short, pairs = images.words.scores(soft.ravel(), qf.des, 400, images.live, qkp)
        refine_always = []
    else:
        cand = first.result() if first else _first_stage(images, qf)
        # the first stage's best are matched in full whatever the word matches say: on the other
        # thread, while this one finds the word matches
        full.start(cand[:REFINE_GLOBAL])
        short, pairs = word_matches(images.store, cand, soft.ravel(), qf.des, qkp)
        refine_always = cand[:REFINE_GLOBAL]
    refine_always += pdq_refine
    order = [i for i, _ in near] + [i for i, _ in short]
    _verify_list(images, order, qf, allowed_keys, per_image, qi, dict(short), dict(near), pairs, full,
                 refine_always)
    if confident_inliers is not None and not any(ev["inliers"] >= confident_inliers for ev in per_image.values()):
        _search_mirror_image(images, mirror, qi, per_image, confident_inliers)


def _pdq_hashes(img, mirror: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """The photo's PDQ hash, and its mirror image's if ``mirror``."""
    return pdq_hash(img)[0], pdq_hash(img, mirror=True)[0] if mirror else None


class _MirrorImage:
    """What the mirror search needs of the photo's mirror image, each part computed once, when first
    asked for: its features, its PDQ hash, its whole-image descriptor, its matcher.

    ``prepare_while`` computes them while this thread would otherwise wait for the first stage (on
    photos at 100,000 it waited a median 17 ms there): a photo that then finds no confident match
    has them ready; one that does never needed them and lost at most the step under way when the
    first stage ended (the longest, the reflected features: 12-17 ms, median to p90)."""

    def __init__(self, images: ImageIndex, img, qf, pdq: np.ndarray | None = None):
        self.images, self.img, self.qf = images, img, qf
        self._pdq = pdq  # computed already, or None
        self._features = self._descriptor = self._full = None

    def features(self):
        if self._features is None:
            self._features = mirrored(self.qf)
        return self._features

    def pdq(self) -> np.ndarray:
        if self._pdq is None:
            self._pdq = pdq_hash(self.img, mirror=True)[0]
        return self._pdq

    def descriptor(self) -> np.ndarray:
        if self._descriptor is None:
            self._descriptor = default_descriptor().describe(self.features().des)
        return self._descriptor

    def full_matching(self) -> _FullMatching:
        if self._full is None:
            mf = self.features()
            self._full = _FullMatching(self.images, strongest(mf, MIRROR_FEATURES) if MIRROR_FEATURES else mf,
                                       self.img)
        return self._full

    def prepare_while(self, busy) -> None:
        """Compute the parts one by one until ``busy`` (a future) is done; none is computed in part."""
        steps = [self.features, self.full_matching]
        if self.images.pdq.ntotal:
            steps.append(self.pdq)
        if MIRROR_GLOBAL > 0 and not self.images.uses_words:
            steps.append(self.descriptor)
        for step in steps:
            if busy.done():
                return
            try:
                step()
            except Exception:
                # not needed yet: if the mirror search runs, it computes the part again and fails there
                return


def _search_mirror_image(images: ImageIndex, mirror: _MirrorImage, qi: int, per_image: dict[int, dict],
                         confident_inliers: int) -> None:
    """Verify the photo's mirror image against its PDQ near-duplicates and the first stage's best few
    (MIRROR_*); only confident matches are kept (a weak one is no reason to say the photo was
    mirrored). Their evidence says ``mirrored`` and its query outline is drawn on the photo as taken."""
    mf = mirror.features()
    if len(mf.des) < 2:
        return
    full = mirror.full_matching()
    use_global = MIRROR_GLOBAL > 0 and not images.uses_words
    pool = _pool()[0] if use_global else None
    # the whole-image descriptor (unless prepared already) on the other thread while this one looks
    # up and matches the PDQ near-duplicates; then both threads read the stored vectors
    described = pool.submit(mirror.descriptor) if pool else None
    cand: list[int] = []
    pdq_of: dict[int, int] = {}
    if images.pdq.ntotal:
        D, Idx = images.pdq.search(mirror.pdq().reshape(1, 32), min(MIRROR_PDQ_REFINE, images.pdq.ntotal))
        for d, i in zip(D[0], Idx[0], strict=True):
            if i >= 0 and d <= PDQ_NEAR:
                cand.append(int(i))
                pdq_of[int(i)] = int(d)
    full.run(cand, parallel=False)
    if use_global:
        if described:
            described.result()
        best = _mirror_first_stage(images, mirror)
        full.run(best)
        cand += best
    # x in the mirror image -> x in the photo as taken, in the photo's own pixels
    width = (mf.size[0] - 1) * full.q_to_orig
    db = images.store.db
    for iid in dict.fromkeys(cand):
        v = full.done.get(iid)
        prev = per_image.get(iid)
        if v is None or v.inliers < confident_inliers or prev is not None and v.inliers <= prev["inliers"]:
            continue
        row = db.execute("SELECT key, grp, meta FROM images WHERE id=?", (iid,)).fetchone()
        if row is None:
            continue
        ev = _evidence(row, qi, v, 0.0, pdq_of.get(iid))
        ev["query_polygon"] = [[round(width - x, 1), y] for x, y in v.query_polygon]
        ev["mirrored"] = True
        per_image[iid] = ev


def _mirror_first_stage(images: ImageIndex, mirror: _MirrorImage) -> list[int]:
    """The mirror image's first MIRROR_GLOBAL: its whole-image descriptor (a republished copy is the
    whole picture) searched cheaply (a quarter of the first stage's memory read, then re-scored)."""
    sims = images.gidx.search_cheaply(mirror.descriptor(), MIRROR_GLOBAL, images.live, _in_parallel)
    return sorted(sims, key=lambda i: -sims[i])[:MIRROR_GLOBAL]


def _evidence(row, qi: int, v, bow_score: float, pdq_distance: int | None) -> dict:
    """One verified image's evidence (``row``: its key, group and meta)."""
    key, grp, meta = row[:3]
    return {"key": key, "group": grp, "meta": json.loads(meta or "{}"), "query_index": qi,
            "inliers": v.inliers, "matches": v.matches, "bow_score": round(bow_score, 4),
            "ref_polygon": v.ref_polygon, "ref_bbox": v.ref_bbox, "query_polygon": v.query_polygon,
            "pdq_distance": pdq_distance}


class _FullMatching:
    """Stage B of one photo: full ORB matching and RANSAC against a reference's stored features,
    each reference matched once (results kept by image id). SQLite is read on the caller's thread."""

    def __init__(self, images: ImageIndex, qf, img):
        self.images, self.qf = images, qf
        self.q_to_orig = (img.original_size[0] / img.rgb.shape[1]) / qf.scale if qf.scale else 1.0
        self.q_index = QueryDescriptors(qf.des)
        self.done: dict[int, object] = {}
        self._background = None  # (future, items) matched on the pool's thread

    def _todo(self, ids, rows: dict | None = None) -> list:
        """(id, (shard, off, n, fw, fh, scale)) of the ids not matched yet; ``rows`` holds those the
        caller has read already."""
        skip = set(self.done) | ({iid for iid, _row in self._background[1]} if self._background else set())
        todo = []
        for iid in ids:
            if iid in skip:
                continue
            skip.add(iid)
            row = rows[iid] if rows and iid in rows else self.images.store.db.execute(
                "SELECT shard, off, n, fw, fh, scale FROM images WHERE id=?", (iid,)).fetchone()
            if row is not None:
                todo.append((iid, row))
        return todo

    def _keep(self, todo, results) -> None:
        for (iid, _row), v in zip(todo, results, strict=True):
            self.done[iid] = v

    def start(self, ids) -> None:
        """Match these on the pool's thread while the caller goes on (now, on this thread, without a pool)."""
        self.join()
        todo = self._todo(ids)
        pool = _pool()[0]
        if pool is None or not todo:
            self._keep(todo, map(self._one, todo))
        else:
            self._background = (pool.submit(lambda: [self._one(x) for x in todo]), todo)

    def join(self) -> None:
        if self._background:
            future, todo = self._background
            self._background = None
            self._keep(todo, future.result())

    def run(self, ids, parallel: bool = True, rows: dict | None = None) -> None:
        """Match these now, on both threads unless ``parallel`` is false (then on this one only)."""
        todo = self._todo(ids, rows)
        self._keep(todo, _in_parallel(self._one, todo) if parallel else map(self._one, todo))
        self.join()

    def _one(self, item):
        _iid, (sid, off, n, fw, fh, scale) = item
        des, xy, _w = self.images.store.read_record(sid, off, n)
        return verify(self.qf.xy, self.qf.des, xy, des, (fw, fh), 1.0 / scale if scale else 1.0, self.q_to_orig,
                      self.q_index)


def _verify_list(images: ImageIndex, order, qf, allowed_keys, per_image, qi, bow_of, pdq_of, pairs,
                 full: _FullMatching, refine_always=()):
    """Two-stage geometric verification of the shortlist.

    Stage A (cheap, SHORTLIST candidates): RANSAC on the Hamming-embedding word matches found
    while shortlisting, no descriptor matching. Stage B (REFINE best of stage A): full ORB
    matching with the ratio test against the stored descriptors, RANSAC again; the better of
    the two is kept. ``refine_always`` (the first stage's and PDQ's best few) get both stages,
    beyond the SHORTLIST. Allowed and hidden candidates are counted separately so that
    ``allowed_keys`` never starves the visible list and hidden matches can still be counted.
    """
    db = images.store.db
    q_to_orig = full.q_to_orig
    pr, pq, pxy = pairs
    srt = np.argsort(pr, kind="stable")
    pr_s = pr[srt]
    chosen = []
    n_allowed = n_hidden = 0
    seen = set()
    # the shortlist's order fills stage A up to its cap; refine_always comes on top of it
    for iid, capped in [*((i, True) for i in order), *((i, False) for i in refine_always)]:
        if iid in seen or capped and n_allowed >= SHORTLIST and n_hidden >= SHORTLIST // 2:
            continue
        row = db.execute("SELECT key, grp, meta, shard, off, n, fw, fh, scale FROM images WHERE id=?", (iid,)).fetchone()
        if row is None:
            continue
        ok = allowed(allowed_keys, KeyGroup(row[0], row[1]))
        if capped and (ok and n_allowed >= SHORTLIST or (not ok and n_hidden >= SHORTLIST // 2)):
            continue
        seen.add(iid)
        n_allowed += ok
        n_hidden += not ok
        chosen.append((iid, row))
    # each candidate's word-match pairs: one slice of the pairs sorted by image
    ids_s, starts = np.unique(pr_s, return_index=True)
    ends = np.append(starts[1:], len(pr_s))[:len(starts)]
    bounds = dict(zip(ids_s.tolist(), zip(starts.tolist(), ends.tolist(), strict=True), strict=True))

    def stage_a(item):
        iid, row = item
        fw, fh, scale = row[6:9]
        a, b = bounds.get(iid, (0, 0))
        sel = srt[a:b]
        return ransac(pxy[sel], qf.xy[pq[sel]], (fw, fh), 1.0 / scale if scale else 1.0, q_to_orig, max_iters=2000)

    results = dict(zip((iid for iid, _row in chosen), _in_parallel(stage_a, chosen), strict=True))
    # stage B on the most promising few
    # Stage A is noisy (few true word matches under blur/clutter), so the best few by the
    # shortlist score and refine_always are refined as well as the best few by stage-A inliers.
    best = sorted(results, key=lambda i: -results[i].inliers)[:REFINE]
    rows = dict(chosen)
    for iid in [*(iid for iid, _row in chosen[:REFINE_TOP]), *(iid for iid in refine_always if iid in rows)]:
        if iid not in best:
            best.append(iid)
    full.run(best, rows={iid: rows[iid][3:] for iid in best})
    for iid in best:
        v = full.done.get(iid)  # None: the image was deleted since it was shortlisted
        if v is not None and v.inliers > results[iid].inliers:
            results[iid] = v
    for iid, v in results.items():
        prev = per_image.get(iid)
        if prev is None or v.inliers > prev["inliers"]:
            per_image[iid] = _evidence(rows[iid], qi, v, bow_of.get(iid, 0.0), pdq_of.get(iid))
