"""At-risk category screening: which categories of objects at risk an inspected object belongs to.

Works even when no register record matches (looted antiquities are rarely reported stolen): the
officer's words and facets are turned into vocabulary concepts (with their broader concepts) and
compared with each category's object types, materials, period range, countries of origin and
suspicious characteristics (matched in any of the three languages after normalisation).
"""

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from turath.core import audit, csvsafe
from turath.core.parsing import is_id, parse_id
from turath.core.textnorm import search_text
from turath.vocabulary import services as vocab
from turath.vocabulary.models import Concept, ConceptLabel

from .models import RiskCategory

WEIGHTS = {"type": 3.0, "indicator": 2.0, "material": 1.0, "period": 1.0, "region": 0.5}
MAX_NGRAM = 4


@dataclass
class RiskHit:
    category: RiskCategory
    score: float
    reasons: list[tuple[str, str]] = field(default_factory=list)  # (kind, explanation)

    def as_dict(self, lang="en"):
        return {"code": self.category.code, "name": self.category.name(lang), "score": round(self.score, 2),
                "reasons": [{"kind": k, "text": t} for k, t in self.reasons]}


def concepts_in_text(text: str) -> set[int]:
    """Concepts whose label (any language) appears in the text as a run of whole words."""
    words = search_text(text).split()
    grams = {" ".join(words[i:i + n]) for n in range(1, MAX_NGRAM + 1) for i in range(len(words) - n + 1)}
    if not grams:
        return set()
    return set(ConceptLabel.objects.filter(norm__in=grams).values_list("concept_id", flat=True))


def with_ancestors(ids: set[int]) -> set[int]:
    result, frontier = set(ids), set(ids)
    through = Concept.broader.through
    while frontier:
        parents = set(through.objects.filter(from_concept_id__in=frontier).values_list("to_concept_id", flat=True))
        frontier = parents - result
        result |= frontier
    return result


def _resolve(values, scheme) -> set[int]:
    ids = set()
    for v in values if isinstance(values, (list, tuple, set)) else [values]:
        if v in (None, ""):
            continue
        if is_id(v if isinstance(v, int) else str(v)):
            ids.add(parse_id(v if isinstance(v, int) else str(v)))
        elif (c := vocab.resolve_concept(str(v), scheme)) is not None:
            ids.add(c.pk)
    return ids


def _phrase_in(phrase: str, haystack: str) -> bool:
    norm = search_text(phrase)
    return bool(norm) and f" {norm} " in f" {haystack} "


def screen(text: str = "", facets: dict | None = None, lang: str = "en") -> list[RiskHit]:
    facets = facets or {}
    norm_text = search_text(text)
    mentioned = concepts_in_text(text)
    type_ids = with_ancestors(_resolve(facets.get("object_type"), vocab.OBJECT_TYPES) | mentioned)
    material_ids = with_ancestors(_resolve(facets.get("material"), vocab.MATERIALS) | mentioned)
    period_ids = _resolve(facets.get("period"), vocab.PERIODS) | mentioned
    periods = list(Concept.objects.filter(pk__in=period_ids, scheme__key=vocab.PERIODS, start_year__isnull=False))
    country = str(facets.get("origin_country") or "").upper()

    hits = []
    categories = RiskCategory.objects.prefetch_related("object_types", "materials")
    for cat in categories:
        reasons, score = [], 0.0
        matched_types = [c for c in cat.object_types.all() if c.pk in type_ids]
        if matched_types:
            score += WEIGHTS["type"]
            reasons.append(("type", _("type of object: %(t)s") % {"t": ", ".join(c.label(lang) for c in matched_types)}))
        matched_materials = [c for c in cat.materials.all() if c.pk in material_ids]
        if matched_materials:
            score += WEIGHTS["material"]
            reasons.append(("material", _("material: %(m)s") % {
                "m": ", ".join(c.label(lang) for c in matched_materials)}))
        for p in periods:
            end = p.end_year if p.end_year is not None else 9999
            lo = cat.period_from if cat.period_from is not None else -99999
            hi = cat.period_to if cat.period_to is not None else 9999
            if p.start_year <= hi and end >= lo:
                score += WEIGHTS["period"]
                reasons.append(("period", _("period: %(p)s") % {"p": p.label(lang)}))
                break
        if country and country in cat.regions:
            score += WEIGHTS["region"]
            reasons.append(("region", _("country of origin: %(c)s") % {"c": country}))
        for indicator in cat.indicators:
            if any(_phrase_in(indicator.get(code, ""), norm_text) for code in ("ar", "en", "fr")):
                score += WEIGHTS["indicator"]
                shown = indicator.get(lang) or indicator.get("en") or next(iter(indicator.values()), "")
                reasons.append(("indicator", _("suspicious characteristic: %(i)s") % {"i": shown}))
        # A category is hit by its object type, or by a suspicious characteristic that another
        # criterion corroborates; a material or a country alone says too little.
        kinds = {k for k, _ in reasons}
        if "type" in kinds or ("indicator" in kinds and len(kinds) >= 2) or \
                sum(1 for k, _ in reasons if k == "indicator") >= 2:
            hits.append(RiskHit(cat, score, reasons))
    return sorted(hits, key=lambda h: (-h.score, h.category.code))


CSV_COLUMNS = ["code", "name_ar", "name_en", "name_fr", "description_ar", "description_en", "description_fr",
               "regions", "object_types", "materials", "period_from", "period_to",
               "indicators_ar", "indicators_en", "indicators_fr", "source"]


class CategoryImportError(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


def _list(cell: str) -> list[str]:
    return [p.strip() for p in (cell or "").split(";") if p.strip()]


def import_categories_csv(text: str) -> int:
    """Create or update categories from CSV (idempotent on code); all or nothing, errors name row and field."""
    reader = csv.DictReader(io.StringIO(text))
    missing = set(CSV_COLUMNS) - set(reader.fieldnames or [])
    if missing:
        raise CategoryImportError([_("missing columns: %(c)s") % {"c": ", ".join(sorted(missing))}])
    errors, rows = [], []
    for line, raw in enumerate(reader, start=2):
        row = {k: csvsafe.unescape_cell(v) if isinstance(v, str) else v for k, v in raw.items()}
        if not row.get("code") or not row.get("name_en"):
            errors.append(_("row %(r)d, code/name_en: required") % {"r": line})
            continue
        resolved = {}
        for fieldname, scheme in (("object_types", vocab.OBJECT_TYPES), ("materials", vocab.MATERIALS)):
            resolved[fieldname] = []
            for term in _list(row[fieldname]):
                concept = vocab.resolve_concept(term, scheme)
                if concept is None:
                    errors.append(_("row %(r)d, %(f)s: unknown term «%(t)s»") % {"r": line, "f": fieldname, "t": term})
                else:
                    resolved[fieldname].append(concept)
        years = {}
        for fieldname in ("period_from", "period_to"):
            try:
                years[fieldname] = int(row[fieldname]) if row[fieldname].strip() else None
            except ValueError:
                errors.append(_("row %(r)d, %(f)s: not a year") % {"r": line, "f": fieldname})
        ar, en, fr = (_list(row[f"indicators_{c}"]) for c in ("ar", "en", "fr"))
        if not (len(ar) == len(en) == len(fr)):
            errors.append(_("row %(r)d, indicators: give each characteristic in ar, en and fr") % {"r": line})
        rows.append((row, resolved, years, [{"ar": a, "en": e, "fr": f} for a, e, f in zip(ar, en, fr, strict=True)]))
    if errors:
        raise CategoryImportError(errors)
    with transaction.atomic():
        for row, resolved, years, indicators in rows:
            cat, _created = RiskCategory.objects.update_or_create(code=row["code"], defaults={
                **{k: row[k] for k in ("name_ar", "name_en", "name_fr", "description_ar", "description_en",
                                       "description_fr", "source")},
                "regions": [c.upper() for c in _list(row["regions"])], "indicators": indicators, **years})
            cat.object_types.set(resolved["object_types"])
            cat.materials.set(resolved["materials"])
        audit.record("matching.riskcategory.import", object_type="matching.riskcategory",
                     object_repr=f"{len(rows)} categories", after={"codes": [r[0]["code"] for r in rows]})
    return len(rows)


def export_categories_csv() -> str:
    out = io.StringIO()
    writer = csvsafe.SafeDictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for cat in RiskCategory.objects.prefetch_related("object_types", "materials"):
        writer.writerow({
            **{k: getattr(cat, k) for k in ("code", "name_ar", "name_en", "name_fr", "description_ar",
                                            "description_en", "description_fr", "source")},
            "regions": ";".join(cat.regions),
            "object_types": ";".join(c.uri for c in cat.object_types.all()),
            "materials": ";".join(c.uri for c in cat.materials.all()),
            "period_from": "" if cat.period_from is None else cat.period_from,
            "period_to": "" if cat.period_to is None else cat.period_to,
            **{f"indicators_{c}": ";".join(i.get(c, "") for i in cat.indicators) for c in ("ar", "en", "fr")},
        })
    return out.getvalue()
