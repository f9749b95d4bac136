"""Facets of register searches: filtering by facet values and counting matches per value.

Facet values are strings that round-trip through URLs: concept ids for object_type, material and
period, ISO 3166 codes for origin_country, status values, agency codes for owning_agency.
Counts are taken over the records the user may see that match the query and all filters,
with one GROUP BY per facet and one look-up per kind of label (no query per value).
"""

from collections import Counter

from django.db.models import Count, Exists, OuterRef
from django.utils import translation

from turath.core.countries import country_name, sort_key
from turath.core.models import Agency
from turath.core.parsing import is_id, parse_id
from turath.vocabulary.models import Concept
from turath.vocabulary.services import expand_with_narrower

from .models import CulturalObject, ObjectStatus

FACETS = ("object_type", "material", "origin_country", "status", "period", "owning_agency")
CONCEPT_FACETS = {"object_type": "object_type_id", "period": "period_id"}
MaterialLink = CulturalObject.materials.through


def _concept_ids(values: list[str]) -> set[int]:
    """Concept ids from ids or URIs; a broader concept brings all its narrower ones."""
    ids = {parse_id(v) for v in values if is_id(v)}
    uris = [v for v in values if not is_id(v)]
    if uris:
        ids |= set(Concept.objects.filter(uri__in=uris).values_list("pk", flat=True))
    return expand_with_narrower(ids) if ids else set()


def resolve_filters(filters: dict[str, list[str]]) -> dict[str, list]:
    """Facet values from a request, resolved once to what the records hold: concept ids with their
    narrower concepts, agency ids (from ids or codes), upper-case country codes, statuses. Unknown
    keys and empty facets are dropped, so a caller may pass its request parameters through; a value
    that names nothing leaves its facet empty, which matches nothing. Both apply_filters (SQL) and
    columns.RegisterColumns.select (arrays) take the result."""
    out = {}
    for key, values in filters.items():
        if not values:
            continue
        if key in CONCEPT_FACETS or key == "material":
            out[key] = sorted(_concept_ids(values))
        elif key == "origin_country":
            out[key] = [v.upper() for v in values]
        elif key == "status":
            out[key] = list(values)
        elif key == "owning_agency":
            codes = [v for v in values if not is_id(v)]
            ids = {parse_id(v) for v in values if is_id(v)}
            if codes:
                ids |= set(Agency.objects.filter(code__in=codes).values_list("pk", flat=True))
            out[key] = sorted(ids)
    return out


def apply_filters(queryset, conditions: dict[str, list], *, full_text: bool = False):
    """Filter by resolved facet values (resolve_filters): values within one facet are alternatives
    (OR); facets combine (AND).

    With `full_text`, the full-text match will select the candidate records, so the material filter
    is a per-record EXISTS probe rather than a list of ids the planner might drive the query from."""
    for key, values in conditions.items():
        if key in CONCEPT_FACETS:
            queryset = queryset.filter(**{f"{CONCEPT_FACETS[key]}__in": values})
        elif key == "material":
            # A sub-select, not a join: a record with two chosen materials is still one record.
            links = MaterialLink.objects.filter(concept_id__in=values)
            if full_text:
                queryset = queryset.filter(Exists(links.filter(culturalobject_id=OuterRef("pk"))))
            else:
                queryset = queryset.filter(pk__in=links.values("culturalobject_id"))
        elif key == "origin_country":
            queryset = queryset.filter(origin_country__in=values)
        elif key == "status":
            queryset = queryset.filter(status__in=values)
        elif key == "owning_agency":
            queryset = queryset.filter(owning_agency_id__in=values)
    return queryset


def _group(queryset, column: str) -> dict:
    rows = queryset.order_by().values(column).annotate(n=Count("pk")).values_list(column, "n")
    return {value: n for value, n in rows if value not in (None, "")}


COLUMNS = {"object_type": "object_type_id", "period": "period_id", "status": "status",
           "origin_country": "origin_country", "owning_agency": "owning_agency_id"}


def column_counts(matched) -> tuple[int, dict]:
    """Match count and per-column counts from ONE pass over the matched rows.

    With a full-text query the match set is what the text selects (thousands, not millions), and
    evaluating the full-text condition once is far cheaper than once per GROUP BY."""
    rows = matched.order_by().values_list(*COLUMNS.values())
    counts = {facet: Counter() for facet in COLUMNS}
    total = 0
    for row in rows.iterator(chunk_size=5000):
        total += 1
        for facet, value in zip(COLUMNS, row, strict=True):
            if value not in (None, ""):
                counts[facet][value] += 1
    return total, counts


def facet_counts(matched, lang: str = "en", *, columns: dict | None = None,
                 counts: dict | None = None) -> dict[str, list[tuple[str, str, int]]]:
    """{facet: [(value, label in `lang`, count), …]} over the matched records, most frequent first.

    `counts` ({facet: {value: count}} for all six facets, from the in-memory columns) are only
    labelled here. Otherwise `columns` (from column_counts, used when a full-text query narrows
    the records) saves a GROUP BY per facet, or the database answers each facet from its indexes."""
    if counts is not None:
        counts = {facet: dict(c) for facet, c in counts.items()}
    else:
        if columns is not None:
            counts = {facet: dict(c) for facet, c in columns.items()}
        else:
            counts = {facet: _group(matched, column) for facet, column in COLUMNS.items()}
        material_rows = (MaterialLink.objects.filter(culturalobject_id__in=matched.order_by().values("pk"))
                         .values("concept_id").annotate(n=Count("culturalobject_id")).values_list("concept_id", "n"))
        counts["material"] = dict(material_rows)

    concept_ids = set(counts["object_type"]) | set(counts["period"]) | set(counts["material"])
    concepts = {c.pk: c.label(lang) for c in Concept.objects.filter(pk__in=concept_ids)} if concept_ids else {}
    agencies = ({a.pk: (a.code, a.name(lang)) for a in Agency.objects.filter(pk__in=counts["owning_agency"])}
                if counts["owning_agency"] else {})
    with translation.override(lang):
        statuses = {value: str(label) for value, label in ObjectStatus.choices}

    def entries(facet, value_label):
        items = [(*value_label(value), n) for value, n in counts[facet].items()]
        return sorted(items, key=lambda item: (-item[2], sort_key(item[1])))

    return {
        "object_type": entries("object_type", lambda v: (str(v), concepts.get(v, str(v)))),
        "material": entries("material", lambda v: (str(v), concepts.get(v, str(v)))),
        "origin_country": entries("origin_country", lambda v: (v, country_name(v, lang))),
        "status": entries("status", lambda v: (v, statuses.get(v, v))),
        "period": entries("period", lambda v: (str(v), concepts.get(v, str(v)))),
        "owning_agency": entries("owning_agency", lambda v: agencies.get(v, (str(v), str(v)))),
    }
