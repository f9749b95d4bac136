"""Full-text index of the register.

Each record carries `search_text`: the normalised tokens (see core.textnorm) of every language
of every text field, plus, for each linked concept and its broader concepts, the labels in every
language and a concept token `cpt<ID>`. The same string is indexed by SQLite FTS5 (external-content
table kept in sync by triggers) and by a PostgreSQL GIN index on to_tsvector('simple', …), so the
two engines see identical tokens and return the same records.
"""

from turath.core import multilingual
from turath.core.textnorm import search_text


def concept_token(concept_id: int) -> str:
    return f"cpt{concept_id}"


def _concept_terms(concept, seen: set) -> list[str]:
    out = []
    stack = [concept]
    while stack:
        c = stack.pop()
        if c is None or c.pk in seen:
            continue
        seen.add(c.pk)
        out.append(concept_token(c.pk))
        out.extend(label.norm for label in c.labels.all())
        stack.extend(c.broader.all())
    return out


def build_search_text(obj) -> str:
    parts: list[str] = [obj.record_number, obj.maker, obj.place_of_origin, obj.place_of_discovery,
                        obj.current_holder, obj.date_text, obj.related_written_material,
                        " ".join(obj.inventory_numbers or []), " ".join(obj.cross_references or [])]
    for field in ("title", "subject", "description", "distinguishing_features"):
        parts.extend(text for _, text in multilingual.texts(getattr(obj, field)))
    for ins in obj.inscriptions.all():
        parts.extend(text for _, text in multilingual.texts(ins.text))
    words = [search_text(p) for p in parts if p]
    seen: set = set()
    concepts = [obj.object_type, obj.period, *obj.materials.all(), *obj.techniques.all()]
    for concept in concepts:
        if concept is not None:
            words.extend(_concept_terms(concept, seen))
    return " ".join(w for w in words if w)
