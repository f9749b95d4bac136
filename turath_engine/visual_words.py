"""Visual words: the inverted file (visual word -> images) and the word matches that shortlist images.

``bow-*.npy`` holds the inverted file, memory-mapped; images added since its last build are scored
from memory (the delta). It is the ``bow`` first stage (``TURATH_ENGINE_FIRST_STAGE=bow``), whose cost
grows linearly with the register; the default ``global`` first stage uses ``word_matches`` instead,
the same scoring for the ANN shortlist's images only, read from the shards.

A word match counts only when the two descriptors are also within HE_THRESHOLD bits ("Hamming
embedding"): plain bag-of-words with ORB confuses too much.
"""

from __future__ import annotations

import os

import numpy as np

from .errors import IndexCorruptError
from .storage import Store

# Words with more than STOP_FACTOR x the mean posting count are skipped. Off: at 10,000 images a
# factor of 5 halved the shortlist's time (p95 477 -> 282 ms CPU) but lost 7 of 62 top-1 hits in a
# 90-query probe; recall is the scarcer of the two here (benchmarks/matching/RESULTS.md).
STOP_FACTOR = 1e9
WORD_MASK = 0xFFFF  # shards store words as uint16; the two-level vocabulary has 131,072 words
HE_THRESHOLD = 64  # max Hamming distance (of 256 bits) for a word match to vote in the shortlist
_FILES = ("indptr", "rows", "des", "xy", "idf", "nkp")
FILES = tuple(f"bow-{name}.npy" for name in _FILES)


def _no_pairs():
    return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 2), np.float32)


class InvertedFile:
    def __init__(self, store: Store, k: int):
        self.store = store
        self.k = k  # vocabulary size
        self.bow: dict[str, np.ndarray] | None = None
        self.delta: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._delta_cache = None

    def load(self, enabled: bool) -> None:
        """Memory-map the inverted file and re-read the delta (images added since its build)."""
        built = int(self.store.meta("bow_built", "-1"))
        self.bow = None
        self.delta = {}
        self._delta_cache = None
        if not enabled:
            return
        if built >= 0:
            try:
                bow = {name: np.load(self.store.fpath(f"bow-{name}.npy"), mmap_mode="r") for name in _FILES}
            except (OSError, ValueError) as e:
                raise IndexCorruptError(
                    f"{self.store.path}: inverted file missing or corrupt ({type(e).__name__}); "
                    "open with repair=True (CLI: engine repair) to rebuild it") from None
            ip = bow["indptr"]
            if (len(ip) != self.k + 1 or ip[-1] != len(bow["rows"])
                    or bow["des"].shape != (len(bow["rows"]), 32)
                    or bow["xy"].shape != (len(bow["rows"]), 2)):
                raise IndexCorruptError(f"{self.store.path}: inverted file is inconsistent; open with repair=True to rebuild it")
            self.bow = {k: np.asarray(v).view(np.ndarray) for k, v in bow.items()}
        # Images added since the last inverted-file build are scored from memory (the "delta").
        for row in self.store.db.execute("SELECT id, shard, off, n FROM images WHERE id > ?", (built,)):
            des, xy, words = self.store.read_record(*row[1:])
            self.delta[row[0]] = (words.astype(np.int32), np.array(des), np.array(xy))  # uint16 in the shard

    def rebuild(self) -> None:
        """Rebuild the inverted file (visual word -> (image, descriptor)) from the shards.

        Postings keep the full 32-byte descriptor so the shortlist can check the Hamming distance
        of every word match.
        """
        rows = self.store.db.execute("SELECT id, shard, off, n FROM images ORDER BY id").fetchall()
        k = self.k
        ids, words, dess, xys = [], [], [], []
        max_id = rows[-1][0] if rows else 0
        nkp = np.zeros(max_id + 1, np.int32)
        df = np.zeros(k, np.float64)
        for i, sid, off, n in rows:
            des, xy, w = self.store.read_record(sid, off, n)
            words.append(w.astype(np.int32))
            dess.append(np.array(des))
            xys.append(np.array(xy))
            ids.append(np.full(n, i, np.int32))
            nkp[i] = n
            df[np.unique(w)] += 1
        n_img = max(1, len(rows))
        allw = np.concatenate(words) if words else np.zeros(0, np.int32)
        alli = np.concatenate(ids) if ids else np.zeros(0, np.int32)
        alld = np.concatenate(dess) if dess else np.zeros((0, 32), np.uint8)
        allxy = np.concatenate(xys) if xys else np.zeros((0, 2), np.float32)
        # +0.5, not +1: a word present in every image (always so in a one-image index) keeps a
        # small positive weight instead of zeroing that image out of every shortlist.
        idf = np.log((n_img + 1) / (df + 0.5)).astype(np.float32)
        order = np.argsort(allw, kind="stable")
        indptr = np.zeros(k + 1, np.int64)
        np.cumsum(np.bincount(allw, minlength=k), out=indptr[1:])
        self.bow = None
        self.store.forget_maps()
        for name, arr in (("indptr", indptr), ("rows", alli[order]), ("des", alld[order]), ("xy", allxy[order]), ("idf", idf), ("nkp", nkp)):
            tmp = self.store.fpath(f"bow-{name}.tmp.npy")
            np.save(tmp, arr)
            os.replace(tmp, self.store.fpath(f"bow-{name}.npy"))  # atomic: a crash never leaves half a file
        self.store.set_meta("bow_built", max_id)
        self.load(enabled=True)

    def add(self, iid: int, words: np.ndarray, des: np.ndarray, xy: np.ndarray) -> None:
        # as the shard stores it (uint16), so the delta and the rebuilt inverted file agree
        self.delta[iid] = ((words & WORD_MASK).astype(np.int32), des, xy.astype(np.float32))
        self._delta_cache = None

    def remove(self, iid: int) -> None:
        if self.delta.pop(iid, None) is not None:
            self._delta_cache = None

    def scores(self, qwords: np.ndarray, qdes: np.ndarray, top: int, live: np.ndarray, qkp: np.ndarray | None = None):
        """Shortlist by word matches whose descriptors are also close in Hamming distance. Returns
        [(image id, score)] and the putative correspondences (image id, query keypoint, reference xy)
        that the first verification stage reuses. ``live[i]``: image i is in the index."""
        scores = np.zeros(len(live), np.float64)
        empty = _no_pairs()
        if len(qwords) == 0:
            return [], empty
        n_img = max(1, int(live.sum()))
        sources = []
        if self.bow is not None:
            b = self.bow
            sources.append((b["indptr"], b["rows"], b["des"], b["xy"], b["idf"]))
        if self.delta:
            sources.append(self._delta_postings())
        pr, pq, pxy = [], [], []
        # the shards keep words as uint16 (WORD_MASK): words above 65,535 are looked up where they were stored
        qwords = qwords.astype(np.int64) & WORD_MASK
        # qkp[j]: the query keypoint of word entry j (a keypoint has several entries when soft-assigned)
        qkp = np.arange(len(qwords)) if qkp is None else np.asarray(qkp, np.int64)
        # Hamming distances on four 64-bit lanes instead of 32 bytes: same result, a quarter of the work.
        q64 = np.ascontiguousarray(qdes).view(np.uint64)
        for ip, rows, des, xys, idf in sources:
            des = np.ascontiguousarray(des).view(np.uint64)
            lo = np.asarray(ip)[qwords]
            ln = np.asarray(ip)[qwords + 1] - lo
            # Stop words: a word with many times the mean posting count costs most of the pairs
            # and, by its idf, carries little of the score.
            ln[(ln > 4 * n_img) | (ln > STOP_FACTOR * (int(ip[-1]) / max(1, len(ip) - 1)))] = 0
            # query keypoints grouped by word, so each word's pairs fall in one chunk
            qidx = np.flatnonzero(ln)
            qidx = qidx[np.argsort(qwords[qidx], kind="stable")]
            # every (query keypoint, posting of its word) pair, in chunks of about 1M pairs
            cum = np.cumsum(ln[qidx])
            start = 0
            while start < len(qidx):
                base = cum[start - 1] if start else 0
                stop = int(np.searchsorted(cum, base + 1_000_000, side="right"))
                stop = max(stop, start + 1)
                while stop < len(qidx) and qwords[qidx[stop]] == qwords[qidx[stop - 1]]:
                    stop += 1  # never split a word between chunks
                js = qidx[start:stop]
                L = ln[js]
                jrep = np.repeat(js, L)
                offs = np.arange(len(jrep)) - np.repeat(np.cumsum(L) - L, L)
                post = np.repeat(lo[js], L) + offs
                d = np.bitwise_count(q64[qkp[jrep]] ^ des[post]).sum(1, dtype=np.int32)
                ok = np.flatnonzero(d <= HE_THRESHOLD)
                if len(ok):
                    # one pair per posting: its closest query descriptor. Several query keypoints
                    # (the same corner at several pyramid levels, a repetitive texture) would
                    # otherwise vote, and pair, many times for one reference keypoint.
                    o = ok[np.lexsort((d[ok], post[ok]))]
                    first = np.r_[True, post[o][1:] != post[o][:-1]]
                    ok = o[first]
                    po = post[ok]
                    r = rows[po]
                    wts = idf[qwords[jrep[ok]]].astype(np.float64) ** 2 * np.exp(-((d[ok] / 24.0) ** 2))
                    sc = np.bincount(r, weights=wts, minlength=len(scores))
                    scores[: len(sc)] += sc[: len(scores)]
                    pr.append(r)
                    pq.append(qkp[jrep[ok]])
                    pxy.append(xys[po])
                start = stop
        # normalise by the reference's feature count (sqrt: a mild penalty for busy references)
        nk = np.ones(len(scores))
        if self.bow is not None:
            m = min(len(nk), len(self.bow["nkp"]))
            nk[:m] = np.maximum(1, self.bow["nkp"][:m])
        for i, dv in self.delta.items():
            if i < len(nk):
                nk[i] = max(1, len(dv[0]))
        scores = scores / np.sqrt(nk)
        scores[~live] = -1
        top = min(top, len(scores))
        idx = np.argpartition(-scores, top - 1)[:top] if top < len(scores) else np.arange(len(scores))
        idx = idx[np.argsort(-scores[idx])]
        short = [(int(i), float(scores[i])) for i in idx if scores[i] > 0]
        if pr:
            pairs = (np.concatenate(pr).astype(np.int64), np.concatenate(pq).astype(np.int64), np.concatenate(pxy))
        else:
            pairs = empty
        return short, pairs

    def _delta_postings(self):
        """Inverted file of the not-yet-built images, cached until the next add/remove."""
        if self._delta_cache is None:
            k = self.k
            ids = list(self.delta)
            w = np.concatenate([self.delta[i][0] for i in ids])
            d = np.concatenate([self.delta[i][1] for i in ids])
            xy = np.concatenate([self.delta[i][2] for i in ids])
            r = np.concatenate([np.full(len(self.delta[i][0]), i, np.int32) for i in ids])
            order = np.argsort(w, kind="stable")
            ip = np.zeros(k + 1, np.int64)
            np.cumsum(np.bincount(w, minlength=k), out=ip[1:])
            idf = self.bow["idf"] if self.bow is not None else np.full(k, 1.0, np.float32)
            self._delta_cache = (ip, r[order], d[order], xy[order], idf)
        return self._delta_cache


def word_matches(store: Store, cand: list[int], qwords: np.ndarray, qdes: np.ndarray, qkp: np.ndarray):
    """The inverted file's scoring, for the first stage's candidates only: word matches whose
    descriptors are within HE_THRESHOLD bits, read from the shards. Returns what
    ``InvertedFile.scores`` returns ([(image id, score)] best first, putative correspondences)."""
    empty = _no_pairs()
    if not cand or len(qwords) == 0:
        return [], empty
    rows = {r[0]: r[1:] for r in store.db.execute(
        f"SELECT id, shard, off, n FROM images WHERE id IN ({','.join('?' * len(cand))})", cand)}
    rid, rw, rd, rxy, nkp = [], [], [], [], {}
    for iid in cand:
        if iid not in rows:
            continue
        des, xy, w = store.read_record(*rows[iid])
        rid.append(np.full(len(w), iid, np.int64))
        rw.append(w.astype(np.int64))
        rd.append(des)
        rxy.append(xy)
        nkp[iid] = max(1, len(w))
    if not rid:
        return [], empty
    rid, rw, rd, rxy = np.concatenate(rid), np.concatenate(rw), np.concatenate(rd), np.concatenate(rxy)
    qw = np.asarray(qwords, np.int64) & WORD_MASK
    order = np.argsort(qw, kind="stable")
    # each reference word's run among the query's sorted words, by table look-up (a binary search of
    # 160,000 reference words took ~35 ms of a query's ~290)
    count = np.bincount(qw, minlength=WORD_MASK + 1)
    start = np.cumsum(count) - count
    lo, L = start[rw], count[rw]
    post = np.repeat(np.arange(len(rw)), L)  # reference keypoint of each pair
    if not len(post):
        return [], empty
    j = order[np.repeat(lo, L) + np.arange(len(post)) - np.repeat(np.cumsum(L) - L, L)]  # query word entry
    q64 = np.ascontiguousarray(qdes).view(np.uint64)
    r64 = np.ascontiguousarray(rd).view(np.uint64)
    d = np.bitwise_count(q64[qkp[j]] ^ r64[post]).sum(1, dtype=np.int32)
    ok = np.flatnonzero(d <= HE_THRESHOLD)
    if not len(ok):
        return [], empty
    o = ok[np.lexsort((d[ok], post[ok]))]  # one pair per reference keypoint: its closest query descriptor
    ok = o[np.r_[True, post[o][1:] != post[o][:-1]]]
    r = rid[post[ok]]
    uniq, inv = np.unique(r, return_inverse=True)
    sc = np.bincount(inv, weights=np.exp(-((d[ok] / 24.0) ** 2)))
    sc = sc / np.sqrt([nkp[int(u)] for u in uniq])
    short = sorted(((int(u), float(v)) for u, v in zip(uniq, sc, strict=True)), key=lambda t: -t[1])
    return short, (r, qkp[j[ok]].astype(np.int64), rxy[post[ok]])
