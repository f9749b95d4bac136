"""The text side of `turath matching reindex`: the next batch's gists are embedded in the background
while the current batch is indexed (issue 12 item 4); the result is the sequential build's, and a
failure of the background embedding is raised with nothing of its batch written."""

import pytest

from turath.matching import index
from turath.register.tests.factories import make_object
from turath_engine import Engine
from turath_engine.embedding import embedder

TITLES = [("Tasse de café en porcelaine peinte", "fr"), ("مجموعة نقود فضية من العصر العباسي", "ar"),
          ("Painted cat figure", "en"), ("Lampe à huile en bronze à tête de lion", "fr"),
          ("إبريق نحاسي بصنبور طويل", "ar"), ("Carved wooden door with geometric panels", "en"),
          ("Manuscrit enluminé du Coran", "fr")]


@pytest.fixture
def objects(users, actor):
    ma = users["ma_museum_editor"]
    emb = embedder()
    assert emb.available, emb.error
    return [make_object(ma, f"MA-MUS-{i:04d}", title=title, lang=lang) for i, (title, lang) in enumerate(TITLES)]


def _vectors(engine: Engine) -> dict[str, bytes]:
    return dict(engine.db.execute("SELECT key, emb FROM texts"))


def test_the_pipelined_build_equals_the_sequential_one(objects, tmp_path, monkeypatch):
    emb = embedder()
    monkeypatch.setattr(emb, "_ready", {})
    events = []
    real_start = emb.start_prefetch
    monkeypatch.setattr(emb, "start_prefetch", lambda texts: _logged(events, real_start, texts))
    built = Engine.create(str(tmp_path / "pipelined"))
    real_add = built.add_text
    monkeypatch.setattr(built, "add_text", lambda key, *a, **k: events.append(("add", key)) or real_add(key, *a, **k))
    report = index.reindex(built, batch=3, workers=1)
    assert report["texts"] == len(TITLES)
    # the second batch's embedding was started before the first batch was indexed (before: one batch
    # at a time, the model idle while the lexical index and the database worked)
    assert events[:3] == [("embed", 3), ("embed", 3), ("add", f"{objects[0].pk}:text")]
    assert emb._ready == {} and emb._pending == {}

    # the sequential build, batch by batch as before (same batch mates, so the same int8 rounding)
    sequential = Engine.create(str(tmp_path / "sequential"))
    rows = list(index.objects_for_indexing())
    for start in range(0, len(rows), 3):
        chunk = rows[start:start + 3]
        gists = [index.object_gist(obj, index.concept_labels(obj)) for obj in chunk]
        emb.prefetch(gists)
        for obj, gist in zip(chunk, gists, strict=True):
            sequential.add_text(f"{obj.pk}:text", index.object_text(obj, index.concept_labels(obj)),
                                meta=index.object_meta(obj), embed_text=gist)
    sequential.flush()
    assert _vectors(built) == _vectors(sequential) and len(_vectors(built)) == len(TITLES)
    for query in ("bronze oil lamp", "إبريق نحاس", "porte en bois sculpté"):
        a = [c.key for c in built.query(text=query, include_below_threshold=True).candidates]
        b = [c.key for c in sequential.query(text=query, include_below_threshold=True).candidates]
        assert a == b and a
    built.close()
    sequential.close()


def _logged(events, real, texts):
    texts = list(texts)
    events.append(("embed", len(texts)))
    return real(texts)


def test_a_failed_background_embedding_is_raised_and_writes_nothing_of_its_batch(objects, tmp_path, monkeypatch):
    emb = embedder()
    monkeypatch.setattr(emb, "_ready", {})
    real = emb._model.passage

    def passage(texts):
        if any("Lampe à huile" in t for t in texts):  # the 4th object: the second batch of 3
            raise RuntimeError("the model failed")
        return real(texts)

    monkeypatch.setattr(emb._model, "passage", passage)
    built = Engine.create(str(tmp_path / "ix"))
    with pytest.raises(RuntimeError, match="the model failed"):
        index.reindex(built, batch=3, workers=1)
    built.close()
    got = Engine.open(str(tmp_path / "ix"))
    # the first batch was committed; nothing of the failed batch nor of the one after it
    assert sorted(_vectors(got)) == sorted(f"{o.pk}:text" for o in objects[:3])
    got.close()
    assert emb._pending == {}  # nothing left waiting; the third batch's embedding was discarded


def test_a_build_reads_each_concept_s_ancestors_once(objects, users, tmp_path):
    """Every object's meta names its concepts' broader concepts; read once per build, not once per
    object (before: a query per object for each level above the prefetched one)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(n):
        built = Engine.create(str(tmp_path / f"ix{n}"))
        with CaptureQueriesContext(connection) as ctx:
            index.reindex(built, batch=48, workers=1)
        texts = dict(built.db.execute("SELECT key, meta FROM texts"))
        built.close()
        return len(ctx.captured_queries), texts

    few, texts = queries(len(TITLES))
    assert len(texts) == len(TITLES) and all('"object_type": ["' in m for m in texts.values())
    ma = users["ma_museum_editor"]
    for i in range(len(TITLES), 3 * len(TITLES)):
        make_object(ma, f"MA-MUS-{i:04d}", title=f"Manuscrit {i}", lang="fr")
    more, texts = queries(3 * len(TITLES))
    assert len(texts) == 3 * len(TITLES)
    assert more == few  # nothing read per object
