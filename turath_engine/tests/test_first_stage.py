"""The sub-linear first stage (global descriptors in a memory-mapped ANN index), its crash safety,
and how the query fuses and shares confidence between candidates."""

import os
import shutil
import sqlite3

import numpy as np
import pytest

from turath_engine import Engine, globalindex

from .conftest import _photo, jpeg_bytes, phone_photo


def _new_object():
    """A photograph no reference shows. (The coins turned 180 degrees, used before, are the coins
    reference's own picture to a rotation-invariant matcher: which of the two came first was a tie.)"""
    return _photo("ihc")


@pytest.fixture
def index_copy(built_index, tmp_path):
    dst = str(tmp_path / "copy")
    shutil.copytree(built_index, dst)
    return dst


def test_first_stage_is_a_memory_mapped_snapshot_plus_delta(index_copy, photos):
    eng = Engine.open(index_copy)
    assert eng.first_stage == "global"
    assert os.path.exists(os.path.join(index_copy, "global.faiss"))
    assert not any(f.startswith("bow-") for f in os.listdir(index_copy))  # no inverted file over every image
    assert eng.images.gidx.snapshot.ntotal == len(eng) and eng.images.gidx.delta_ids == []
    # an image added after the snapshot is found through the delta, before any flush
    eng.add_image("obj-new:1", jpeg_bytes(_new_object()))
    assert len(eng.images.gidx.delta_ids) == 1
    q = phone_photo(_new_object(), angle=12, scale=0.8, gain=0.7)
    assert eng.query(images=[q]).candidates[0].key == "obj-new"
    # a removed image leaves the shortlist at once although the snapshot still holds its vector
    eng.remove("obj-rocket:1")
    q = phone_photo(photos["rocket"], angle=10, scale=0.8, gain=0.7)
    res = eng.query(images=[q], include_below_threshold=True)
    assert not any(c.key == "obj-rocket" for c in res.candidates)
    info = eng.compact()  # folds the delta, drops the removed vector
    assert eng.images.gidx.snapshot.ntotal == len(eng) == 9 and eng.images.gidx.delta_ids == []
    assert info["images"] == 9
    eng.close()


def test_a_crash_while_writing_the_snapshot_leaves_the_previous_one_usable(index_copy, photos, monkeypatch):
    snap = os.path.join(index_copy, "global.faiss")
    with open(snap, "rb") as fh:
        before = fh.read()
    eng = Engine.open(index_copy)
    eng.add_image("obj-new:1", jpeg_bytes(_new_object()))

    import faiss

    real_write = faiss.write_index

    def crash_half_way(index, path):  # the process dies with half a file written
        real_write(index, path)
        with open(path, "r+b") as fh:
            fh.truncate(os.path.getsize(path) // 2)
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(faiss, "write_index", crash_half_way)
    with pytest.raises(KeyboardInterrupt):
        eng.rebuild_global()
    monkeypatch.setattr(faiss, "write_index", real_write)
    eng.db.close()  # no clean close: the process is gone
    with open(snap, "rb") as fh:
        assert fh.read() == before  # the previous snapshot, intact
    with Engine.open(index_copy) as eng:  # opens without repair
        q = phone_photo(photos["astronaut"], angle=20, scale=0.7, gain=0.6)
        assert eng.query(images=[q]).candidates[0].key == "obj-astronaut"
        q = phone_photo(_new_object(), angle=12, scale=0.8, gain=0.7)
        assert eng.query(images=[q]).candidates[0].key == "obj-new"  # from the database, as delta


def test_a_crash_between_the_rename_and_the_mark_counts_each_image_once(index_copy, photos):
    eng = Engine.open(index_copy)
    eng.add_image("obj-new:1", jpeg_bytes(_new_object()))
    # the snapshot now holds every image, but the mark still says the last one is in the delta
    built = eng.store.meta("global_built")
    eng.rebuild_global()
    eng.store.set_meta("global_built", built)
    eng.db.close()
    with Engine.open(index_copy) as eng:
        assert eng.images.gidx.ntotal == len(eng) + 1  # one image in both
        q = phone_photo(_new_object(), angle=12, scale=0.8, gain=0.7)
        res = eng.query(images=[q], include_below_threshold=True)
        keys = [c.key for c in res.candidates]
        assert keys[0] == "obj-new" and keys.count("obj-new") == 1


def test_write_atomic_never_leaves_half_a_file(tmp_path, monkeypatch):
    import faiss

    path = str(tmp_path / "g.faiss")
    idx = globalindex.build_index(np.arange(3), np.eye(3, 8, dtype=np.float32), 8)
    globalindex.write_atomic(idx, path)
    good = open(path, "rb").read()

    def fail(index, p):
        with open(p, "wb") as fh:
            fh.write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(faiss, "write_index", fail)
    with pytest.raises(OSError):
        globalindex.write_atomic(idx, path)
    assert open(path, "rb").read() == good


def test_an_index_from_before_the_first_stage_gets_its_descriptors_from_the_shards(index_copy, photos):
    db = sqlite3.connect(os.path.join(index_copy, "engine.sqlite3"))
    db.execute("UPDATE images SET gdesc = NULL")
    db.execute("DELETE FROM meta WHERE k='global_built'")
    db.commit()
    db.close()
    os.remove(os.path.join(index_copy, "global.faiss"))
    with Engine.open(index_copy) as eng:
        assert eng.db.execute("SELECT COUNT(*) FROM images WHERE gdesc IS NULL").fetchone()[0] == 0
        q = phone_photo(photos["rocket"], angle=10, scale=0.8, gain=0.7)
        assert eng.query(images=[q]).candidates[0].key == "obj-rocket"


def test_the_inverted_file_finds_every_word_of_an_image(index_copy, photos, monkeypatch):
    # The two-level vocabulary has 131,072 words and the shards store them as uint16: before the
    # fix, a query word above 65,535 looked up a posting list that the rebuilt inverted file never
    # filled, so half of an image's own keypoints could not find it.
    monkeypatch.setenv("TURATH_ENGINE_FIRST_STAGE", "bow")
    eng = Engine.open(index_copy)
    eng.rebuild_bow()
    assert eng.first_stage == "bow" and eng.images.words.bow is not None and not eng.images.words.delta
    iid, sid, off, n = eng.db.execute("SELECT id, shard, off, n FROM images WHERE key='obj-coins:1'").fetchone()
    des, _xy, _w = eng.store.read_record(sid, off, n)
    words = eng.images.vocab.assign(des)
    assert (words >= 65536).mean() > 0.2
    _short, (pr, pq, _pxy) = eng.images.words.scores(words, des, 20, eng.images.live)
    found = len(np.unique(pq[pr == iid]))  # the image's keypoints that found themselves
    assert found >= 0.95 * n
    eng.close()


# ---------------------------------------------------------------- fusion and shared confidence


def test_a_photo_never_hides_what_the_words_find(index_copy, photos):
    with Engine.open(index_copy) as eng:
        eng.add_text("obj-rocket:text", "Space rocket on its launch pad, white body with a gantry tower", "en")
        eng.add_text("obj-coffee:text", "A cup of coffee on a saucer with a spoon", "en")
        words = "rocket launch pad gantry"
        alone = eng.query(text=words, include_below_threshold=True)
        assert alone.candidates[0].key == "obj-rocket"
        # a photo that finds nothing (an unindexed texture) added to the same words
        import skimage.data

        both = eng.query(images=[jpeg_bytes(skimage.data.brick())], text=words, include_below_threshold=True)
        assert both.candidates[0].key == "obj-rocket"
        assert both.candidates[0].score >= alone.candidates[0].score - 1e-6
        assert "text" in both.candidates[0].evidence


def test_look_alike_candidates_share_their_confidence_and_are_flagged(index_copy, photos):
    with Engine.open(index_copy) as eng:
        # two register records photographed identically (e.g. two coins of one issue)
        eng.add_image("twin-a:1", jpeg_bytes(photos["page"][:, ::-1].copy()))
        eng.add_image("twin-b:1", jpeg_bytes(photos["page"][:, ::-1].copy(), 85))
        q = phone_photo(photos["page"][:, ::-1].copy(), angle=8, scale=0.8, gain=0.7)
        res = eng.query(images=[q], include_below_threshold=True)
        top2 = {c.key: c for c in res.candidates[:2]}
        assert set(top2) == {"twin-a", "twin-b"}
        assert res.similar and "similar_objects" in res.flags
        for c in top2.values():
            assert c.similar and c.independent_score >= res.threshold
            assert c.score < 0.75 < c.independent_score  # neither is "the" object
        assert sum(c.score for c in top2.values()) <= 1.0
        # one object on its own keeps its confidence and is not flagged
        res = eng.query(images=[phone_photo(photos["astronaut"], angle=20, scale=0.7, gain=0.6)])
        assert not res.similar and not res.candidates[0].similar
        assert res.candidates[0].score == pytest.approx(res.candidates[0].independent_score, abs=0.02)
        assert "similar" in res.to_dict()


def test_words_shared_by_several_records_do_not_score_one(tmp_path):
    eng = Engine.create(str(tmp_path / "t"))
    for i in range(4):
        eng.add_text(f"coin{i}", f"Gold coin dinar, Umayyad, struck in Damascus, inventory {i}", "en")
    eng.add_text("lamp", "Terracotta oil lamp with a lion", "en")
    res = eng.query(text="gold coin dinar Damascus", include_below_threshold=True)
    coins = [c for c in res.candidates if c.key.startswith("coin")]
    assert len(coins) == 4
    assert all(c.score < 0.5 for c in coins)
    assert max(c.independent_score for c in coins) > 0.9  # each alone would have looked certain
    assert res.similar
    eng.close()


def test_an_index_whose_descriptors_another_model_computed_gets_them_recomputed(index_copy, photos):
    """A retrained descriptor has the same size: without the version recorded with the stored
    descriptors, queries would be compared with another model's vectors, silently (failed before)."""
    from turath_engine.globaldesc import default_descriptor

    gd = default_descriptor()
    db = sqlite3.connect(os.path.join(index_copy, "engine.sqlite3"))
    db.execute("INSERT OR REPLACE INTO meta VALUES ('gdesc_version', 'vlad-orb assign=1 0123456789abcdef')")
    db.execute("UPDATE images SET gdesc=?", (np.full(gd.dim, 0.0625, np.float16).tobytes(),))  # another model's
    db.commit()
    db.close()
    with Engine.open(index_copy) as eng:
        assert eng.store.meta("gdesc_version") == gd.version
        sid, off, n, g = eng.store.db.execute(
            "SELECT shard, off, n, gdesc FROM images WHERE key='obj-rocket:1'").fetchone()
        des = eng.store.read_record(sid, off, n)[0]
        assert np.array_equal(np.frombuffer(g, np.float16), gd.describe(des).astype(np.float16))
        q = phone_photo(photos["rocket"], angle=10, scale=0.8, gain=0.7)
        assert eng.query(images=[q]).candidates[0].key == "obj-rocket"
        eng.flush()  # the snapshot is rebuilt from the recomputed descriptors
        assert eng.images.gidx.snapshot.ntotal == len(eng) and eng.images.gidx.delta_ids == []


def _no_word_matches(monkeypatch):
    """Stage A sees nothing: as on a photo of a screen, whose noisy descriptors fall into other words."""
    from turath_engine import image_search

    nothing = ([], (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 2), np.float32)))
    monkeypatch.setattr(image_search, "word_matches", lambda *a, **k: nothing)


def test_the_first_stage_best_are_verified_in_full_when_word_matches_fail(index_copy, photos, monkeypatch):
    _no_word_matches(monkeypatch)
    from turath_engine import image_search

    monkeypatch.setattr(image_search, "PDQ_REFINE", 0)  # this test is about the first stage alone
    monkeypatch.setattr(image_search, "PDQ_NEAR", -1)
    with Engine.open(index_copy) as eng:
        q = phone_photo(photos["astronaut"], angle=20, scale=0.7, gain=0.6)
        res = eng.query(images=[q])
        assert res.candidates and res.candidates[0].key == "obj-astronaut"
        monkeypatch.setattr(image_search, "REFINE_GLOBAL", 0)
        assert not eng.query(images=[q], include_below_threshold=True).candidates


def test_the_pdq_nearest_are_verified_in_full_whatever_their_distance(index_copy, photos, monkeypatch):
    """An occluded photo keeps the layout PDQ hashes while the global descriptor may miss it."""
    _no_word_matches(monkeypatch)
    from turath_engine import image_search

    monkeypatch.setattr(image_search, "PDQ_NEAR", -1)  # no neighbour counts as a near-duplicate
    monkeypatch.setattr(image_search, "REFINE_GLOBAL", 0)  # the first stage finds nothing useful
    ref = photos["coffee"]
    occluded = ref.copy()
    h, w = occluded.shape[:2]
    occluded[: h // 2, : w // 2] = photos["camera"][: h // 2, : w // 2]  # a quarter covered by another picture
    with Engine.open(index_copy) as eng:
        res = eng.query(images=[jpeg_bytes(occluded, 60)])
        assert res.candidates and res.candidates[0].key == "obj-coffee"
        monkeypatch.setattr(image_search, "PDQ_REFINE", 0)
        assert not eng.query(images=[jpeg_bytes(occluded, 60)], include_below_threshold=True).candidates


def test_the_cheap_search_scores_what_it_finds_exactly_and_skips_removed_images(tmp_path):
    """``search_cheaply`` (the mirror image's first stage): a quarter of each vector to choose, all of
    it to score; the removed are skipped and the delta is searched too."""
    rng = np.random.default_rng(0)
    n, dim = 3000, 512
    vecs = rng.normal(size=(n, dim)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    ids = np.arange(1, n + 1, dtype=np.int64)
    gi = globalindex.GlobalIndex(str(tmp_path / "global.faiss"), dim)
    gi.rebuild(ids, vecs)
    live = np.ones(n + 2, bool)
    q = vecs[41] + 0.5 * rng.normal(size=dim).astype(np.float32) / np.sqrt(dim)
    exact = gi.search(q, 5, live)
    cheap = gi.search_cheaply(q, 5, live)
    assert max(cheap, key=cheap.get) == max(exact, key=exact.get) == 42
    for i, d in cheap.items():
        assert d == pytest.approx(float(vecs[i - 1] @ q), abs=1e-4)  # scored on all 512 dimensions
    live[42] = False
    assert 42 not in gi.search_cheaply(q, 5, live)
    gi.add(n + 1, q / np.linalg.norm(q))
    got = gi.search_cheaply(q, 5, live)
    assert max(got, key=got.get) == n + 1


@pytest.mark.parametrize("n", [2501, 250, 3])
def test_the_cheap_search_read_in_parts_gives_the_whole_reads_answer(tmp_path, monkeypatch, n):
    """The rows are read in parts (one per query thread): the best COARSE_POOL of all the parts are
    those of the whole, whatever the number of parts (some smaller than COARSE_POOL) and however they
    are read."""
    from concurrent.futures import ThreadPoolExecutor

    from turath_engine import image_search

    monkeypatch.setenv("TURATH_QUERY_THREADS", "2")
    rng = np.random.default_rng(3)
    dim = 512
    vecs = rng.normal(size=(n, dim)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    gi = globalindex.GlobalIndex(str(tmp_path / "global.faiss"), dim)
    gi.rebuild(np.arange(1, n + 1, dtype=np.int64), vecs)
    live = np.ones(n + 1, bool)
    q = rng.normal(size=(2, dim)).astype(np.float32)
    k = min(7, n)
    # the answer as the whole read gives it: best 200 on the first 128 dimensions, re-scored on all
    want = {}
    for row in q:
        c = row[:128] / np.linalg.norm(row[:128])
        top = np.argsort(-(vecs[:, :128] @ c))[:globalindex.COARSE_POOL]
        exact = vecs[top] @ row
        for i in top[np.argsort(-exact)[:k]]:
            want[int(i) + 1] = max(want.get(int(i) + 1, -9), float(vecs[i] @ row))
    with ThreadPoolExecutor(2) as threads:
        for parts in (1, 2, 7):
            monkeypatch.setattr(globalindex, "CHEAP_PARTS", parts)
            for read in (map, threads.map, image_search._in_parallel):
                got = gi.search_cheaply(q, k, live, read)
                assert got.keys() == want.keys()
                assert all(got[i] == pytest.approx(want[i], abs=1e-4) for i in want)
