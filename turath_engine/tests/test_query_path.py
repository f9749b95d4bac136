"""The query path's speed-ups keep its answers: two threads answer as one does, the word matches'
table look-up finds what an exhaustive comparison finds, and inliers are counted per location."""

import threading

import numpy as np
import pytest

from turath_engine import Engine, image_search
from turath_engine.features import orb_features
from turath_engine.image_search import QUERY_SOFT_WORDS, _first_stage
from turath_engine.imaging import load_image
from turath_engine.verify import _distinct_cells
from turath_engine.visual_words import HE_THRESHOLD, WORD_MASK, word_matches

from .conftest import phone_photo


def _answers(eng, queries):
    out = []
    for q in queries:
        res = eng.query(images=[q], include_below_threshold=True)
        out.append([(c.key, round(c.score, 6), c.evidence["image"]["inliers"], c.evidence["image"]["ref_polygon"],
                     c.evidence["image"]["query_polygon"]) for c in res.candidates])
    return out


def test_two_threads_give_the_answers_one_thread_gives(built_index, photos, monkeypatch):
    queries = [phone_photo(photos[n], angle=a, scale=0.7, gain=0.6, seed=k)
               for k, (n, a) in enumerate([("astronaut", 15), ("coins", -10), ("chelsea", 25), ("page", 5)])]
    with Engine.open(built_index) as eng:
        monkeypatch.setenv("TURATH_QUERY_THREADS", "1")
        assert image_search._pool()[0] is None
        one = _answers(eng, queries)
        monkeypatch.setenv("TURATH_QUERY_THREADS", "2")
        assert image_search._pool()[0] is not None
        two = _answers(eng, queries)
    assert one == two
    assert [a[0][0] for a in one] == ["obj-astronaut", "obj-coins", "obj-chelsea", "obj-page"]


def test_the_query_thread_runs_faiss_on_one_openmp_thread(monkeypatch):
    """OpenMP's thread count is per thread: a new thread would search on every core, against the other."""
    import faiss

    monkeypatch.setenv("TURATH_QUERY_THREADS", "2")
    plain = []
    t = threading.Thread(target=lambda: plain.append(faiss.omp_get_max_threads()))
    t.start()
    t.join()
    if plain[0] < 2:
        pytest.skip("OpenMP gives new threads one thread on this machine: nothing to guard against")
    assert image_search._pool()[0].submit(faiss.omp_get_max_threads).result() == 1


def _word_matches_exhaustive(store, cand, qwords, qdes, qkp):
    """Every (reference keypoint, query word entry) pair compared: for each reference keypoint, the
    closest query descriptor with the same word within HE_THRESHOLD bits (the first such entry on ties)."""
    qw = np.asarray(qwords, np.int64) & WORD_MASK
    pairs, scores = [], {}
    for iid in cand:
        sid, off, n = store.db.execute("SELECT shard, off, n FROM images WHERE id=?", (iid,)).fetchone()
        des, xy, w = store.read_record(sid, off, n)
        for k in range(len(w)):
            entries = np.flatnonzero(qw == int(w[k]))
            if not len(entries):
                continue
            d = np.unpackbits(qdes[qkp[entries]] ^ des[k], axis=1).sum(1)
            if d.min() > HE_THRESHOLD:
                continue
            e = int(np.argmin(d))  # first of the closest
            pairs.append((iid, int(qkp[entries[e]]), *xy[k].tolist()))
            scores[iid] = scores.get(iid, 0.0) + float(np.exp(-((d[e] / 24.0) ** 2)))
        if iid in scores:
            scores[iid] /= np.sqrt(max(1, len(w)))
    return scores, pairs


def test_word_matches_find_what_an_exhaustive_comparison_finds(built_index, photos):
    with Engine.open(built_index) as eng:
        images = eng.images
        img = load_image(phone_photo(photos["coffee"], angle=12, scale=0.8, gain=0.7))
        qf = orb_features(img, query=True)
        soft = images.vocab.assign_multi(qf.des, QUERY_SOFT_WORDS)
        qkp = np.repeat(np.arange(len(qf.des)), soft.shape[1])
        cand = _first_stage(images, qf)
        short, (r, q, xy) = word_matches(images.store, cand, soft.ravel(), qf.des, qkp)
        scores, pairs = _word_matches_exhaustive(images.store, cand, soft.ravel(), qf.des, qkp)
    assert len(pairs) > 50  # a real photo of a register object: many word matches to compare
    assert [(int(a), int(b), float(c), float(d)) for a, b, (c, d) in zip(r, q, xy, strict=True)] == pairs
    assert dict(short).keys() == scores.keys()
    assert all(abs(dict(short)[i] - s) < 1e-9 for i, s in scores.items())


def test_inliers_are_counted_per_location_as_rows_are():
    rng = np.random.default_rng(3)
    pts = rng.uniform(-50, 1000, (400, 2)).astype(np.float32)
    pts = np.concatenate([pts, pts[:150] + rng.uniform(-1, 1, (150, 2)).astype(np.float32)])  # near-duplicates
    for sel in (slice(None), slice(0, 7), slice(0, 0)):
        xy = pts[sel]
        expect = len(np.unique(np.round(xy / 3.0), axis=0)) if len(xy) else 0
        assert _distinct_cells(xy) == expect
    assert _distinct_cells(pts) < len(pts)


def _correspondences(side_px: float, n: int = 20, seed: int = 0):
    """n reference points spread over a side_px square of a 640 x 480 register image, and the same
    points in a query photo rotated by 10 degrees and scaled (an exact homography)."""
    rng = np.random.default_rng(seed)
    src = (rng.uniform(0, side_px, (n, 2)) + [300, 200]).astype(np.float32)
    a = np.deg2rad(10)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]) * 1.3
    return src, (src @ rot.T + [40, 25]).astype(np.float32)


def test_inliers_on_a_spot_too_small_for_an_object_are_no_match():
    from turath_engine.verify import ransac

    size = (640, 480)
    # 20 agreeing points on 18 x 18 px (0.1 % of the image): a glyph pair or a stamp many objects share
    src, dst = _correspondences(18)
    assert ransac(src, dst, size, 1.0, 1.0).inliers == 0
    # the same number of points over 60 x 60 px (1.2 %): a small but real part of the object
    src, dst = _correspondences(60)
    v = ransac(src, dst, size, 1.0, 1.0)
    assert v.inliers >= 15 and v.ref_polygon


def test_pdq_nearest_are_matched_while_the_first_stage_still_runs(built_index, photos, monkeypatch):
    """The full matching of PDQ's nearest does not wait for the first stage (it is independent of it):
    here the first stage cannot finish until one full matching has been done."""
    monkeypatch.setenv("TURATH_QUERY_THREADS", "2")
    matched = threading.Event()
    real_verify, real_first = image_search.verify, image_search._first_stage

    def verify_and_signal(*a, **k):
        out = real_verify(*a, **k)
        matched.set()
        return out

    def first_stage_after_a_matching(images, qf):
        assert matched.wait(10), "no full matching happened while the first stage ran"
        return real_first(images, qf)

    monkeypatch.setattr(image_search, "verify", verify_and_signal)
    monkeypatch.setattr(image_search, "_first_stage", first_stage_after_a_matching)
    q = phone_photo(photos["coins"], angle=10, scale=0.8, gain=0.7)
    with Engine.open(built_index) as eng:
        res = eng.query(images=[q], include_below_threshold=True)
    assert res.candidates[0].key == "obj-coins"


def test_the_first_stage_best_are_matched_while_the_word_matches_are_found(built_index, photos, monkeypatch):
    """The first stage's best are matched in full whatever the word matches say, so the other thread
    matches them while this one finds the word matches: here the word matches cannot be found
    until one of them has been matched on another thread."""
    monkeypatch.setenv("TURATH_QUERY_THREADS", "2")
    monkeypatch.setattr(image_search, "PDQ_REFINE", 0)  # no full matching before the first stage ends
    elsewhere = threading.Event()
    real_verify, real_word_matches = image_search.verify, image_search.word_matches
    caller = threading.get_ident()

    def verify_and_signal(*a, **k):
        out = real_verify(*a, **k)
        if threading.get_ident() != caller:
            elsewhere.set()
        return out

    def word_matches_after_a_matching(*a, **k):
        assert elsewhere.wait(10), "no full matching ran on the other thread while the word matches were found"
        return real_word_matches(*a, **k)

    monkeypatch.setattr(image_search, "verify", verify_and_signal)
    monkeypatch.setattr(image_search, "word_matches", word_matches_after_a_matching)
    q = phone_photo(photos["chelsea"], angle=-8, scale=0.8, gain=0.7)
    with Engine.open(built_index) as eng:
        res = eng.query(images=[q], include_below_threshold=True)
    assert res.candidates[0].key == "obj-chelsea"


def test_work_shared_between_threads_is_taken_item_by_item(monkeypatch):
    """While the pool's thread is still busy (matching the first stage's best), the caller takes every
    item itself instead of waiting for a fixed half; the answers keep their order."""
    monkeypatch.setenv("TURATH_QUERY_THREADS", "2")
    pool = image_search._pool()[0]
    release = threading.Event()
    busy = pool.submit(release.wait, 5)
    caller = threading.get_ident()
    items = list(range(10))

    def double(x):
        if x == items[-1]:
            release.set()
        return x * 2, threading.get_ident()

    out = image_search._in_parallel(double, items)
    assert busy.result() is True  # released by the last item, not by its 5 s timeout
    assert [v for v, _t in out] == [x * 2 for x in items]
    assert {t for _v, t in out} == {caller}
