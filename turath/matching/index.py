"""The register's matching index: one turath_engine index under var/, fed from stored records.

Keys: an image is "<object pk>:<image sha256 prefix>", an object's text "<object pk>:text"; both
carry group "<object pk>", so the engine ranks objects, not photographs. Facet values in the meta
are concept ids (with broader concepts) and the ISO country code, as the check form sends them.
"""

import sqlite3
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage

from turath.core import multilingual
from turath.register.images import engine_ready
from turath.register.models import CulturalObject, ObjectImage
from turath.vocabulary.models import Concept, ConceptLabel
from turath_engine import BadImageError, Engine, EngineError, IndexCorruptError, KeyNotFoundError, fingerprint
from turath_engine.embedding import embedder
from turath_engine.text import ConceptExtractor

_lock = threading.Lock()
_engine: Engine | None = None
_stamp: tuple = ()
_checked_at = 0.0
RELOAD_CHECK_SECONDS = 2.0  # how often a reader looks for entries another process (the worker) wrote
# Files the engine replaces atomically on every flush: when they change, another process added entries.
_FLUSHED_FILES = ("pdq.faiss", "text.faiss", "bow-indptr.npy")


def index_path() -> Path:
    return Path(getattr(settings, "TURATH_ENGINE_INDEX", settings.VAR_DIR / "engine-index"))


def vocabulary_concepts() -> ConceptExtractor:
    """Every label of the vocabulary (any language, preferred or alternative) -> its concept: the
    engine finds the concepts (and their broader concepts) a description or a query names, so that an
    Arabic word for a material or a type meets its English and French names on one concept token.
    Read when the engine opens (the lexical index is rebuilt then, with the vocabulary of the day)."""
    broader = Concept.broader.through.objects.values_list("from_concept_id", "to_concept_id")
    return ConceptExtractor(ConceptLabel.objects.values_list("text", "concept_id").iterator(chunk_size=5000),
                            broader.iterator(chunk_size=5000))


def _files_stamp() -> tuple:
    out = []
    for name in _FLUSHED_FILES:
        try:
            st = (index_path() / name).stat()
            out.append((st.st_mtime_ns, st.st_size))
        except OSError:
            out.append(None)
    return tuple(out)


def get_engine() -> Engine:
    """The process's engine, opened once (created empty if absent; derived files repaired).

    The web server only reads the index while the background worker writes it (a first run builds
    it after the server starts), so a reader reopens it when the worker has flushed new entries:
    a check made during indexing answers from what is indexed so far."""
    global _engine, _stamp, _checked_at
    with _lock:
        if _engine is None:
            index_path().parent.mkdir(parents=True, exist_ok=True)
            _engine = _open_consistent()
            _stamp, _checked_at = _files_stamp(), time.monotonic()
        elif time.monotonic() - _checked_at >= RELOAD_CHECK_SECONDS:
            _checked_at = time.monotonic()
            stamp = _files_stamp()
            if stamp != _stamp:
                _engine.flush()  # this process's own additions, if any, before reading the files again
                try:
                    # No repair here: the writer may be between two files of its flush; the old
                    # engine keeps answering and the next look tries again. The old one is not
                    # closed: a request on another thread may still be querying it.
                    _engine = Engine.open(str(index_path()), concepts=vocabulary_concepts())
                    _stamp = stamp
                except EngineError:
                    pass
        return _engine


def _open_consistent(attempts: int = 6) -> Engine:
    """Open the index; when its files and database disagree, look again shortly: the worker may be
    between committing a batch and writing its files (milliseconds, see reindex). Only an index
    that stays inconsistent is repaired (its derived files rebuilt from the database)."""
    for _ in range(attempts - 1):
        try:
            return Engine.open(str(index_path()), concepts=vocabulary_concepts(), create=True)
        except IndexCorruptError:
            time.sleep(0.5)
    return Engine.open(str(index_path()), concepts=vocabulary_concepts(), create=True, repair=True)


def reset_engine() -> None:
    """Close the open engine (tests, rebuilds): the next get_engine() reopens from disk."""
    global _engine, _stamp
    with _lock:
        if _engine is not None:
            _engine.close()
        _engine, _stamp = None, ()


def image_key(image: ObjectImage) -> str:
    return f"{image.object_id}:{image.sha256[:16]}"


def _ancestors(concept, known: dict | None = None) -> list[str]:
    """The concept's pk and its broader concepts' (all levels). ``known``: concept pk -> its answer,
    kept by the caller across objects (reindex): the levels above the prefetched one cost a query
    each otherwise (2.3 ms of a record's ~5 ms outside the model, measured on the demo register)."""
    if concept is None:
        return []
    if known is not None and concept.pk in known:
        return known[concept.pk]
    out, stack, seen = [], [concept], set()
    while stack:
        c = stack.pop()
        if c is None or c.pk in seen:
            continue
        seen.add(c.pk)
        out.append(str(c.pk))
        stack.extend(c.broader.all())
    if known is not None:
        known[concept.pk] = out
    return out


def object_meta(obj: CulturalObject, known: dict | None = None) -> dict:
    return {
        "group": str(obj.pk),
        "object_type": _ancestors(obj.object_type, known),
        "material": [i for m in obj.materials.all() for i in _ancestors(m, known)],
        "period": _ancestors(obj.period, known) if obj.period_id else [],
        "origin_country": obj.origin_country,
    }


EMBED_CHARS = 400  # of the description read by the sentence embedding (its cost grows ~quadratically)


def concept_labels(obj: CulturalObject) -> list[str]:
    """The ar/en/fr labels of the object's type, period, materials and techniques."""
    concepts = [obj.object_type, obj.period, *obj.materials.all(), *obj.techniques.all()]
    return [label for c in concepts if c is not None for label in (c.pref_ar, c.pref_en, c.pref_fr) if label]


def object_gist(obj: CulturalObject, labels: list[str]) -> str:
    """What the sentence embedding reads: titles, the concept labels, and the start of the
    description in its original language. The lexical index reads the whole object_text."""
    parts = [text for _, text in multilingual.texts(obj.title)] + labels
    description = multilingual.texts(obj.description)
    if description:
        parts.append(description[0][1][:EMBED_CHARS])
    return " \n".join(parts)


def object_text(obj: CulturalObject, labels: list[str]) -> str:
    """Every language of every descriptive field, and the concept labels in ar/en/fr."""
    parts = []
    for field in ("title", "subject", "description", "distinguishing_features"):
        parts.extend(text for _, text in multilingual.texts(getattr(obj, field)))
    parts.extend(text for ins in obj.inscriptions.all() for _, text in multilingual.texts(ins.text))
    parts.extend(labels)
    parts.extend(p for p in (obj.maker, obj.place_of_origin, obj.date_text) if p)
    return " \n".join(parts)


def _image_items(obj: CulturalObject, meta: dict, skip: set[str] = frozenset()):
    """(key, engine-ready bytes, meta) for each stored photograph not in `skip`; unreadable files are reported."""
    items, errors = [], []
    for image in obj.images.all():
        key = image_key(image)
        if key in skip:
            continue
        try:
            with default_storage.open(image.original.name, "rb") as fh:
                items.append((key, engine_ready(fh.read(), image.mime), meta))
        except (BadImageError, OSError) as exc:
            errors.append(f"{obj.record_number} image {image.sha256[:12]}: {exc}")
    return items, errors


def index_object(obj: CulturalObject, engine: Engine | None = None, *, flush: bool = True,
                 known: dict | None = None) -> dict:
    """(Re)index an object's text and every one of its images; returns counts and problems.
    ``known``: concepts' ancestors shared by several calls (see _ancestors)."""
    engine = engine if engine is not None else get_engine()  # an empty Engine is falsy (len 0)
    meta = object_meta(obj, known)
    report = {"images": 0, "errors": []}
    labels = concept_labels(obj)  # read once, for both texts
    text = object_text(obj, labels)
    if text.strip():
        engine.add_text(f"{obj.pk}:text", text, meta=meta, embed_text=object_gist(obj, labels))
    items, report["errors"] = _image_items(obj, meta)
    for key, data, _meta in items:
        try:
            engine.add_image(key, data, meta=meta)
            report["images"] += 1
        except BadImageError as exc:
            report["errors"].append(f"{obj.record_number} {key}: {exc}")
    if flush:
        engine.flush()
    return report


def index_objects(objects, engine: Engine | None = None) -> list[dict]:
    """index_object() for several objects, their texts' embeddings computed first in batches (the
    model's throughput grows several-fold with the batch; see benchmarks/matching/text_build_bench.py)."""
    objects = list(objects)
    embedder().prefetch([object_gist(obj, concept_labels(obj)) for obj in objects
                         if object_text(obj, concept_labels(obj)).strip()])
    known: dict = {}
    return [index_object(obj, engine, known=known) for obj in objects]


def objects_for_indexing():
    """Every record with what indexing reads, in record order; `has_images` is annotated."""
    from django.db.models import Exists, OuterRef

    return (CulturalObject.objects.select_related("object_type", "period")
            .prefetch_related("materials__broader", "techniques", "images", "inscriptions",
                              "object_type__broader", "period__broader")
            .annotate(has_images=Exists(ObjectImage.objects.filter(object=OuterRef("pk"))))
            .order_by("pk"))


def reindex(engine: Engine | None = None, *, only_missing: bool = False, batch: int = 48, workers: int | None = None,
            progress=None) -> dict:
    """Index every stored photograph, then every record's text, `batch` objects at a time.

    Photographs come first (a photo check is what an officer makes first, and fingerprints are
    quick next to the text embedding); they are fingerprinted in `workers` processes (both cores).
    Each batch is flushed, so a reader sees the index grow. `only_missing` skips what the index
    already holds (a build that was stopped resumes where it was). `progress(report)` is called
    after each batch."""
    import os

    engine = engine if engine is not None else get_engine()  # an empty Engine is falsy (len 0)
    workers = workers or min(2, os.cpu_count() or 1)
    have = set(engine.keys()) if only_missing else set()
    report = {"objects": 0, "images": 0, "texts": 0, "skipped": 0, "errors": []}
    known: dict = {}  # concept pk -> its ancestors, for every object of the build

    def image_batch(objs):
        items = []
        for obj in objs:
            got, errors = _image_items(obj, object_meta(obj, known), have)
            items.extend(got)
            report["errors"].extend(errors)
        prints = _fingerprints([data for _key, data, _meta in items], workers)
        with _batch(engine):
            for (key, _data, meta), fp in zip(items, prints, strict=True):
                if isinstance(fp, str):
                    report["errors"].append(f"{key}: {fp}")
                else:
                    engine.add_fingerprint(key, fp, meta, commit=False)
                    report["images"] += 1

    started = None  # the text batch whose embedding runs in the background

    def start_text_batch(objs):
        rows = []
        for obj in objs:
            labels = concept_labels(obj)  # read once, for both texts
            text = object_text(obj, labels)
            if text.strip():
                rows.append((obj, text, object_gist(obj, labels)))
        return rows, embedder().start_prefetch([gist for _obj, _text, gist in rows])

    def write_text_batch(rows, embedding):
        embedding.wait()  # its failure is raised here, before the batch's transaction: nothing written
        with _batch(engine):
            for obj, text, gist in rows:
                engine.add_text(f"{obj.pk}:text", text, meta=object_meta(obj, known), embed_text=gist)
                report["texts"] += 1

    def text_batch(objs):
        """Start embedding this batch's gists in the background (Embedder.start_prefetch), then index
        the batch before it, whose embedding was started the same way: the lexical side and the
        database run while the model does, both cores busy (benchmarks/README.md, fourth pass).
        An empty `objs` indexes the last batch."""
        nonlocal started
        previous, started = started, (start_text_batch(objs) if objs else None)
        if previous is not None:
            write_text_batch(*previous)

    try:
        for with_images, run_batch in ((True, image_batch), (False, text_batch)):
            pending: list[CulturalObject] = []
            objects = objects_for_indexing().filter(has_images=True) if with_images else objects_for_indexing()
            for obj in objects.iterator(chunk_size=500):
                if with_images:
                    todo = {image_key(im) for im in obj.images.all()} - have
                else:
                    report["objects"] += 1
                    todo = {f"{obj.pk}:text"} - have
                if not todo:
                    report["skipped"] += 0 if with_images else 1
                    continue
                pending.append(obj)
                if len(pending) >= batch:
                    run_batch(pending)
                    pending = []
                    if progress:
                        progress(report)
            if pending:
                run_batch(pending)
            if not with_images:
                text_batch([])
            if progress:
                progress(report)
    finally:
        if started is not None:  # a batch failed: the next one's embedding is not left running
            started[1].discard()
    return report


def _fingerprint_or_reason(data: bytes):
    try:
        return fingerprint(data)
    except BadImageError as exc:
        return str(exc)


def _fingerprints(datas: list[bytes], workers: int) -> list:
    """Fingerprints (or the reason an image is unusable) of `datas`, on `workers` processes."""
    if workers > 1 and len(datas) > 8:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(workers) as pool:
            return list(pool.map(_fingerprint_or_reason, datas, chunksize=4))
    return [_fingerprint_or_reason(d) for d in datas]


class _batch:
    """One database transaction for a batch of additions, its files written just before the commit.

    A reader opening the index (the web server, while the worker builds it) finds the database and
    the derived files in agreement except for the instant of the commit; added one by one, each
    addition would commit at once and the files would lag until the next flush, and every reader
    would find the index "out of date" for the whole batch."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def __enter__(self):
        self.engine._lock.acquire()  # the engine's own lock: nothing else writes in between
        self.engine.db.execute("BEGIN")
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.engine.flush()
                self.engine.db.execute("COMMIT")
            else:
                self.engine.db.execute("ROLLBACK")
                _forget(self.engine)  # its memory holds the rolled-back additions: reopen from disk
        finally:
            self.engine._lock.release()
        return False


def _forget(engine: Engine) -> None:
    """Drop the process's engine without flushing it (its memory is not what the disk holds)."""
    global _engine, _stamp
    with _lock:
        if _engine is engine:
            _engine, _stamp = None, ()


def indexed_counts() -> dict:
    """How many photographs and texts the index on disk holds, read without opening the engine
    (cheap enough for the health endpoint; zero when there is no index yet)."""
    db = index_path() / "engine.sqlite3"
    if not db.exists():
        return {"images": 0, "texts": 0}
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=2) as con:
            return {"images": con.execute("SELECT COUNT(*) FROM images").fetchone()[0],
                    "texts": con.execute("SELECT COUNT(*) FROM texts").fetchone()[0]}
    except sqlite3.Error:
        return {"images": 0, "texts": 0}


def pending_jobs():
    """The matching jobs queued or running in the background worker."""
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path__startswith="turath.matching.tasks.", status__in=("READY", "RUNNING"))


def status() -> dict:
    """How far the matching index has got: {"images", "total_images", "texts", "total_texts", "building"}.
    `building` is true while indexing jobs are queued or running."""
    counts = indexed_counts()
    return {"images": counts["images"], "total_images": ObjectImage.objects.count(),
            "texts": counts["texts"], "total_texts": CulturalObject.objects.count(),
            "building": pending_jobs().exists()}


def remove_object(object_pk: int, keys: list[str], engine: Engine | None = None) -> None:
    engine = engine if engine is not None else get_engine()  # an empty Engine is falsy (len 0)
    for key in [f"{object_pk}:text", *keys]:
        try:
            engine.remove(key)
        except KeyNotFoundError:
            pass
    engine.flush()


__all__ = ["EngineError", "get_engine", "index_object", "index_objects", "reindex", "remove_object", "reset_engine", "image_key", "status"]


def state_name(state: dict) -> str:
    """"building" (jobs queued or running), "incomplete" (photographs missing, nothing queued:
    `turath matching reindex` adds them) or "ready"."""
    if state["building"]:
        return "building"
    return "incomplete" if state["images"] < state["total_images"] else "ready"


def progress_message(state: dict) -> str:
    """"index: 340 of 755 images" in the active language (plain text: the health endpoint's JSON)."""
    from django.utils.translation import gettext as _

    return _("index: %(done)s of %(total)s images") % {"done": state["images"], "total": state["total_images"]}


def health_report() -> dict:
    """The index's progress as /healthz shows it under "index" (registered in MatchingConfig.ready)."""
    state = status()
    return {"state": state_name(state), "images": state["images"], "total_images": state["total_images"],
            "texts": state["texts"], "total_texts": state["total_texts"], "message": progress_message(state)}
