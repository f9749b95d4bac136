"""The register's matching index: one turath_engine index under var/, fed from stored records.

Keys: an image is "<object pk>:<image sha256 prefix>", an object's text "<object pk>:text"; both
carry group "<object pk>", so the engine ranks objects, not photographs. Facet values in the meta
are concept ids (with broader concepts) and the ISO country code, as the check form sends them.
"""

import threading
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage

from turath.core import multilingual
from turath.register.images import engine_ready
from turath.register.models import CulturalObject, ObjectImage
from turath.vocabulary.models import Concept, ConceptLabel
from turath_engine import BadImageError, Engine, EngineError, KeyNotFoundError
from turath_engine.text import ConceptExtractor, embedder

_lock = threading.Lock()
_engine: Engine | None = None


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


def get_engine() -> Engine:
    """The process's engine, opened once (created empty if absent; derived files repaired)."""
    global _engine
    with _lock:
        if _engine is None:
            index_path().parent.mkdir(parents=True, exist_ok=True)
            _engine = Engine.open(str(index_path()), concepts=vocabulary_concepts(), create=True, repair=True)
        return _engine


def reset_engine() -> None:
    """Close the open engine (tests, rebuilds): the next get_engine() reopens from disk."""
    global _engine
    with _lock:
        if _engine is not None:
            _engine.close()
        _engine = None


def image_key(image: ObjectImage) -> str:
    return f"{image.object_id}:{image.sha256[:16]}"


def _ancestors(concept) -> list[str]:
    out, stack, seen = [], [concept], set()
    while stack:
        c = stack.pop()
        if c is None or c.pk in seen:
            continue
        seen.add(c.pk)
        out.append(str(c.pk))
        stack.extend(c.broader.all())
    return out


def object_meta(obj: CulturalObject) -> dict:
    return {
        "group": str(obj.pk),
        "object_type": _ancestors(obj.object_type),
        "material": [i for m in obj.materials.all() for i in _ancestors(m)],
        "period": _ancestors(obj.period) if obj.period_id else [],
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


def index_object(obj: CulturalObject, engine: Engine | None = None) -> dict:
    """(Re)index an object's text and every one of its images; returns counts and problems."""
    engine = engine or get_engine()
    meta = object_meta(obj)
    report = {"images": 0, "errors": []}
    labels = concept_labels(obj)  # read once, for both texts
    text = object_text(obj, labels)
    if text.strip():
        engine.add_text(f"{obj.pk}:text", text, meta=meta, embed_text=object_gist(obj, labels))
    for image in obj.images.all():
        try:
            with default_storage.open(image.original.name, "rb") as fh:
                engine.add_image(image_key(image), engine_ready(fh.read(), image.mime), meta=meta)
            report["images"] += 1
        except (BadImageError, OSError) as exc:
            report["errors"].append(f"{obj.record_number} image {image.sha256[:12]}: {exc}")
    engine.flush()
    return report


def index_objects(objects, engine: Engine | None = None) -> list[dict]:
    """index_object() for several objects, their texts' embeddings computed first in batches (the
    model's throughput grows several-fold with the batch; see benchmarks/matching/text_build_bench.py)."""
    objects = list(objects)
    embedder().prefetch([object_gist(obj, concept_labels(obj)) for obj in objects
                         if object_text(obj, concept_labels(obj)).strip()])
    return [index_object(obj, engine) for obj in objects]


def remove_object(object_pk: int, keys: list[str], engine: Engine | None = None) -> None:
    engine = engine or get_engine()
    for key in [f"{object_pk}:text", *keys]:
        try:
            engine.remove(key)
        except KeyNotFoundError:
            pass
    engine.flush()


__all__ = ["EngineError", "get_engine", "index_object", "index_objects", "remove_object", "reset_engine", "image_key"]
