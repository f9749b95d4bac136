"""The matching engine: the facade that wires the index's parts together. ``Engine`` opens, fills and
queries an index directory; each subject lives in its own module:

- ``storage``: the directory on disk (SQLite database, feature shards, derived files written
  atomically) and how it recovers from a crash;
- ``fingerprints``: what is computed once per reference image;
- ``images``: the images, their PDQ hashes and the first stage (``global``: the sub-linear
  ANN index of global descriptors, snapshot + delta, the default; ``bow``: ``visual_words``' inverted
  file over every image, whose cost grows linearly with the register; ``TURATH_ENGINE_FIRST_STAGE=bow``
  selects it, for comparison);
- ``image_search``: a photo's shortlist and its geometric verification;
- ``textindex``: the text documents and their scores;
- ``fusion``: image and text evidence turned into ranked, calibrated, shared confidences.

Everything derived is rebuilt by ``Engine.repair()``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from . import embedding
from . import text as textmod
from .errors import EngineError, IndexCorruptError, KeyNotFoundError
from .features import default_vocabulary
from .fingerprints import Fingerprint, fingerprint, fingerprint_job
from .fusion import CALIBRATION_FILE, Allowed, Candidate, QueryResult, confident_inliers, fuse, load_calibration
from .image_search import search_photo
from .images import FIRST_STAGES, ImageIndex
from .storage import DB_NAME, Store
from .textindex import TextIndex

__all__ = ["Engine", "Candidate", "QueryResult", "Fingerprint", "fingerprint", "default_group",
           "CALIBRATION_FILE", "load_calibration"]


def default_group(key: str) -> str:
    """Object key of an image key: '<object_id>:<image_id>' -> '<object_id>'."""
    return key.split(":", 1)[0]


def _configure_faiss():
    # faiss's OpenMP threads fight with the web server's and OpenCV's on 2 cores: one search of
    # 2,500 descriptors went from ~20 ms to 100-1000 ms with 2 threads. Parallelism is per query.
    import faiss

    faiss.omp_set_num_threads(1)
    # a photo's 6 region vectors against the exact first stage: one matrix product (29 ms at 100,000
    # images) instead of faiss's per-query loop (48 ms), same results
    faiss.cvar.distance_compute_blas_threshold = 1


_configure_faiss()


class Engine:
    """Open with ``Engine.open(path)`` (existing) or ``Engine.create(path)`` (new, empty)."""

    def __init__(self, path: str, concepts: textmod.ConceptHook = None, _create: bool = False, _repair: bool = False):
        self.path = os.path.abspath(path)
        self.concepts = concepts
        self.cal = load_calibration()
        self.threshold = float(self.cal["threshold"])
        self.confident_inliers = confident_inliers(self.cal, self.threshold)
        self._lock = threading.RLock()
        self._closed = False
        vocab = default_vocabulary()
        self.store = Store(self.path, vocab.k, create=_create, for_repair=_repair)
        self.first_stage = os.environ.get("TURATH_ENGINE_FIRST_STAGE", "global")
        if self.first_stage not in FIRST_STAGES:
            raise EngineError(f"TURATH_ENGINE_FIRST_STAGE must be 'global' or 'bow', not {self.first_stage!r}")
        self.images = ImageIndex(self.store, vocab, self.first_stage)
        self.texts = TextIndex(self.store)
        if _repair:
            self.repair()
        else:
            self._load_derived()

    @property
    def db(self):
        """The index's SQLite connection (a caller batching additions opens its transaction on it)."""
        return self.store.db

    # ------------------------------------------------------------ lifecycle

    @classmethod
    def open(cls, path: str, concepts: textmod.ConceptHook = None, create: bool = False, repair: bool = False) -> Engine:
        """Open an index. ``create=True`` makes an empty one if none exists; ``repair=True``
        rebuilds damaged or missing derived files (inverted file, faiss indexes) from the database."""
        if create and not os.path.exists(os.path.join(path, DB_NAME)):
            return cls(path, concepts, _create=True)
        if repair:
            try:
                return cls(path, concepts)
            except IndexCorruptError:
                return cls(path, concepts, _repair=True)
        return cls(path, concepts)

    @classmethod
    def create(cls, path: str, concepts: textmod.ConceptHook = None) -> Engine:
        return cls(path, concepts, _create=True)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self.flush()
            self.store.close()
            self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------ derived structures

    def _load_derived(self):
        """Load the first stage, the PDQ and text indexes (memory-mapped) and the in-memory text index."""
        images_behind = self.images.load()
        texts_behind = self.texts.load(self.concepts)
        self._dirty = images_behind or texts_behind

    def rebuild_global(self) -> None:
        """Fold every live descriptor into a new first-stage snapshot (atomic replace)."""
        with self._lock:
            self.images.rebuild_global()

    def rebuild_bow(self) -> None:
        """Rebuild the inverted file (visual word -> (image, descriptor)) from the shards."""
        with self._lock:
            self.images.rebuild_words()

    def repair(self) -> None:
        """Rebuild every derived file (inverted file, faiss indexes) from the database + shards."""
        with self._lock:
            self.store.remove_files([*ImageIndex.DERIVED_FILES, "text.faiss"])
            self.store.set_meta("bow_built", -1)
            self.store.set_meta("global_built", -1)
            self._load_derived()  # the faiss indexes, rebuilt from the database
            self._write_faiss()
            self._dirty = False
            self.images.rebuild_first_stage()

    def _write_faiss(self):
        self.store.write_index(self.images.pdq, "pdq.faiss")
        self.store.write_index(self.texts.emb, "text.faiss")

    # ------------------------------------------------------------ adding / removing

    def add_image(self, key: str, image, meta: dict | None = None) -> dict:
        """Index one image (path, bytes, file object or uint8 array) under ``key``.

        Re-adding an existing key replaces it. Returns {"key", "keypoints", "flags"}.
        Raises BadImageError (BlankImageError, DecompressionBombError) for unusable input.
        """
        fp = fingerprint(image)
        return self.add_fingerprint(key, fp, meta)

    def add_fingerprint(self, key: str, fp: Fingerprint, meta: dict | None = None, commit: bool = True) -> dict:
        if not isinstance(key, str) or not key:
            raise EngineError("image key must be a non-empty string")
        meta = dict(meta or {})
        grp = str(meta.get("group") or default_group(key))
        with self._lock:
            self.images.add(key, grp, meta, fp, commit)
            self._dirty = True
            return {"key": key, "keypoints": int(len(fp.feats.des)), "flags": list(fp.flags)}

    def add_images(self, items: Iterable[tuple[str, Any, dict | None]], workers: int = 1,
                   on_progress: Callable[[str, str | None], None] | None = None) -> dict:
        """Bulk indexing. Fingerprints are computed in ``workers`` processes; bad images are
        skipped and reported. Returns {"added": n, "errors": [(key, message), ...]}."""
        items = list(items)
        metas = {k: m for k, _, m in items}
        errors = []
        added = 0

        def handle(key, fp, err):
            nonlocal added
            if err:
                errors.append((key, err))
            else:
                self.add_fingerprint(key, fp, metas.get(key), commit=False)
                added += 1
            if on_progress:
                on_progress(key, err)

        with self._lock:
            with self.store.transaction():
                jobs = [(k, src) for k, src, _ in items]
                if workers > 1 and len(jobs) > 8:
                    with ProcessPoolExecutor(workers) as ex:
                        for n, (key, _path, fp, err) in enumerate(ex.map(fingerprint_job, jobs, chunksize=8)):
                            handle(key, fp, err)
                            if n % 500 == 499:
                                self.db.execute("COMMIT")
                                self.db.execute("BEGIN")
                else:
                    for key, src in jobs:
                        key, _path, fp, err = fingerprint_job((key, src))
                        handle(key, fp, err)
            self.flush()
        return {"added": added, "errors": errors}

    def add_text(self, key: str, text: str, lang: str | None = None, meta: dict | None = None,
                 embed_text: str | None = None) -> dict:
        """Index a text document (description, inscription, title) under ``key``; re-adding replaces.

        ``embed_text``, when given, is what the sentence embedding reads instead of the whole text (the
        lexical index always has the whole text): the model's cost grows faster than linearly with
        length, so a caller with long multilingual records passes their gist."""
        if not isinstance(key, str) or not key:
            raise EngineError("text key must be a non-empty string")
        if not isinstance(text, str) or not text.strip():
            raise EngineError(f"text for {key!r} is empty")
        meta = dict(meta or {})
        grp = str(meta.get("group") or default_group(key))
        emb = TextIndex.embed(text, embed_text)
        with self._lock:
            self.texts.add(key, grp, meta, text, lang, emb, self.concepts)
            self._dirty = True
        return {"key": key, "script": textmod.script_of(text)}

    def remove(self, key: str) -> None:
        """Remove an image or text by key (both, if both exist). Raises KeyNotFoundError."""
        with self._lock:
            found = False
            iid = self.images.id_of(key)
            if iid is not None:
                self.images.remove_id(iid)
                found = True
            tid = self.texts.id_of(key)
            if tid is not None:
                self.texts.remove_id(tid)
                found = True
            if not found:
                raise KeyNotFoundError(f"no image or text with key {key!r}")
            self._dirty = True

    def flush(self) -> None:
        """Persist faiss indexes and fold the delta into the first stage when it has grown."""
        with self._lock:
            if not self._dirty:
                return
            self.images.fold()
            self._write_faiss()
            self._dirty = False

    def compact(self) -> dict:
        """Rewrite the shards without the records of removed images, then rebuild the first stage."""
        with self._lock:
            self.flush()
            return self.images.compact()

    # ------------------------------------------------------------ info

    def __len__(self) -> int:
        return self.images.count()

    def stats(self) -> dict:
        size = sum(os.path.getsize(os.path.join(self.path, f)) for f in os.listdir(self.path))
        return {"images": len(self), "texts": len(self.texts.rows), "bytes_on_disk": size,
                "pending_delta": self.images.pending(),
                "first_stage": self.first_stage,
                "embeddings": embedding.embedder().loaded}

    def keys(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT key FROM images UNION SELECT key FROM texts")]

    # ------------------------------------------------------------ query

    def query(self, images: Iterable | None = None, text: str | None = None, facets: dict | None = None,
              filters: dict | None = None, top: int = 10, allowed_keys: Allowed = None,
              group: bool = True, concepts: textmod.ConceptHook = None, include_below_threshold: bool = False) -> QueryResult:
        """Rank register entries against query photos and/or words.

        images: paths / bytes / arrays (several photos of the same object are combined).
        text: a few words in any language. facets: boosts, e.g. {"material": "bronze"};
        filters: hard facet filters, same shape. allowed_keys: a set of keys or groups the caller
        may see, or a callable (key, group) -> bool; applied before truncation to ``top``, and the
        number of confident matches it hid is returned as ``hidden_count``.
        Candidates below the no-match threshold are omitted unless include_below_threshold.
        """
        t0 = time.perf_counter()
        images = list(images or [])
        if not images and not (text and text.strip()):
            raise EngineError("query needs at least one image or some text")
        flags: list[str] = []
        with self._lock:
            # image evidence, per image key
            per_image: dict[int, dict] = {}
            for qi, src in enumerate(images):
                search_photo(self.images, src, qi, allowed_keys, per_image, flags, self.confident_inliers)
            # text evidence, per group
            tscores: dict[str, tuple[float, dict]] = {}
            if text and text.strip():
                tscores, tflags = self.texts.scores(text, concepts if concepts is not None else self.concepts, self.cal)
                flags.extend(tflags)
            visible, hidden, similar = fuse(
                per_image, tscores, self.texts.meta_of, self.cal, self.threshold, with_images=bool(images),
                facets=facets, filters=filters, top=top, allowed_keys=allowed_keys, group=group,
                include_below_threshold=include_below_threshold, flags=flags)
            return QueryResult(candidates=visible, hidden_count=len(hidden), hidden_groups=hidden,
                               threshold=self.threshold, flags=flags,
                               ms=round((time.perf_counter() - t0) * 1000, 1), similar=similar)
