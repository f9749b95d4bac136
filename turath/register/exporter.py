"""Export of register records as CSV (the import columns), JSON (services.serialize shape) or
Linked Art JSON-LD (https://linked.art/model/object/): each record of its "@graph" is a document that
validates against the Linked Art API 1.0 JSON Schemas (turath/data/linked-art-schema; checked by
tests/test_linked_art_schema.py).

Every export starts from CulturalObject.objects.restrict(user, "view"): a queryset passed in (for
instance a search result) is intersected with it, never trusted. Records stream from the database
in chunks with their relations prefetched, and each export appends one audit entry (action
"export": count, format, filters).
"""

import json
from collections.abc import Iterator
from urllib.parse import quote

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse

from turath.core import audit, csvsafe, multilingual
from turath.core.textnorm import search_text

from . import services
from .importer import COLUMNS, LANGS, TEXT_TRANSLATED
from .models import CulturalObject

FORMATS = ("csv", "json", "jsonld")
CHUNK = 500
LINKED_ART_CONTEXT = "https://linked.art/ns/v1/linked-art.json"
OBJECT_BASE = "https://turath.example.org/object/"
AGENCY_BASE = "https://turath.example.org/agency/"
AAT = "http://vocab.getty.edu/aat/"
# Getty AAT terms Linked Art uses for names, identifiers, statements, dimensions, units and languages.
PRIMARY_NAME = AAT + "300404670"
ACCESSION_NUMBER = AAT + "300312355"
DESCRIPTION = AAT + "300435416"
BRIEF_TEXT = AAT + "300418049"
INSCRIPTION_STATEMENT = (AAT + "300435414", "Inscription Statement")
SIGNATURE_STATEMENT = (AAT + "300028705", "Signature Statement")
DIMENSION_TYPES = {"height": "300055644", "width": "300055647", "depth": "300072633", "length": "300055645",
                   "diameter": "300055624", "thickness": "300055646", "weight": "300056240"}
UNITS = {"mm": ("300379097", "millimeters"), "cm": ("300379098", "centimeters"), "m": ("300379099", "meters"),
         "g": ("300379225", "grams"), "kg": ("300379226", "kilograms")}
LANGUAGES = {"ar": ("300389115", "Arabic"), "en": ("300388277", "English"), "fr": ("300388306", "French")}
FILTER_KEYS = ("q", "status", "origin_country", "sharing", "agency", "object_type")


def visible_objects(user, queryset: QuerySet | None = None, filters: dict | None = None) -> QuerySet:
    """The records `user` may export: always restricted, optionally narrowed by a queryset and filters."""
    qs = CulturalObject.objects.restrict(user, "view")
    if queryset is not None:
        qs = qs.filter(pk__in=queryset.values("pk"))
    filters = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    unknown = set(filters) - set(FILTER_KEYS)
    if unknown:
        raise ValueError(f"unknown export filters: {', '.join(sorted(unknown))}")
    if "q" in filters:
        qs = qs.filter(pk__in=_search(user, filters["q"]).values("pk"))
    if "status" in filters:
        qs = qs.filter(status=filters["status"])
    if "origin_country" in filters:
        qs = qs.filter(origin_country=str(filters["origin_country"]).upper())
    if "sharing" in filters:
        qs = qs.filter(sharing=filters["sharing"])
    if "agency" in filters:
        qs = qs.filter(owning_agency__code=filters["agency"])
    if "object_type" in filters:
        qs = qs.filter(object_type__uri=filters["object_type"])
    return qs


def _search(user, q: str) -> QuerySet:
    """The register's search when it is available; else every normalised token must appear."""
    from . import search

    if hasattr(search, "search_objects"):
        result = search.search_objects(user, q, {}, pages=False)
        return getattr(result, "queryset", result).order_by()
    qs = CulturalObject.objects.restrict(user, "view")
    for token in search_text(q).split():
        qs = qs.filter(search_text__contains=token)
    return qs


def _stream(qs: QuerySet) -> Iterator[CulturalObject]:
    return qs.order_by("id").select_related("owning_agency", "object_type", "period").prefetch_related(
        "materials", "techniques", "measurements", "inscriptions", "images").iterator(chunk_size=CHUNK)


# ---------------------------------------------------------------- CSV

def _concept_term(concept: dict | None) -> str:
    return concept["uri"] if concept else ""


def csv_row(data: dict) -> dict:
    """A serialize() dict as one row of the import columns (the exporter's half of the round trip)."""
    texts = {f: data.get(f) or {} for f in services.TEXT_FIELDS}
    # The row's language is the title's original language (else the description's).
    language = texts["title"].get("lang") or texts["description"].get("lang") or ""
    row = {c: "" for c in COLUMNS}
    flags, exceptions = {}, []
    for fld, value in texts.items():
        if multilingual.is_empty(value):
            continue
        if value.get("lang") and value.get("lang") != language:
            exceptions.append(f"{fld}={value['lang']}")
        row[fld] = value.get("text", "")
        if fld in TEXT_TRANSLATED:
            for code, tr in (value.get("tr") or {}).items():
                if code in LANGS:
                    row[f"{fld}_{code}"] = tr.get("text", "")
                    flags[(fld, code)] = bool(tr.get("machine"))
    machine = sorted({code for (_f, code), m in flags.items() if m})
    if any(flags.get((f, code)) is False for f in TEXT_TRANSLATED for code in machine):
        # Human and machine translations into the same language: name the columns instead.
        machine = sorted(f"{f}_{code}" for (f, code), m in flags.items() if m)
    inscriptions = data.get("inscriptions") or []
    plain = all(i["kind"] == "inscription" and not i["script"] and not i["position"]
                and i["text"].get("lang") == language and not i["text"].get("tr") and ";" not in i["text"]["text"]
                for i in inscriptions)
    row.update(
        record_number=data["record_number"],
        object_type=_concept_term(data.get("object_type")),
        materials="; ".join(_concept_term(c) for c in data.get("materials") or []),
        techniques="; ".join(_concept_term(c) for c in data.get("techniques") or []),
        measurements="; ".join(f"{m['dimension']}={m['value']} {m['unit']}" for m in data.get("measurements") or []),
        inscriptions=("; ".join(i["text"]["text"] for i in inscriptions) if plain
                      else json.dumps(inscriptions, ensure_ascii=False)),
        language="; ".join([language, *exceptions]) if language else "; ".join(exceptions),
        machine_translated="; ".join(machine),
        date=data.get("date") or "",
        period=_concept_term(data.get("period")),
        inventory_numbers="; ".join(data.get("inventory_numbers") or []),
        cross_references="; ".join(data.get("cross_references") or []),
        date_documented=data.get("date_documented") or "",
        origin_country=data.get("origin_country") or "",
        status=data.get("status") or "",
        sharing=data.get("sharing") or "",
        **{f: data.get(f) or "" for f in services.PLAIN_FIELDS},
    )
    return row


def _write_csv(objects, out) -> int:
    writer = csvsafe.SafeDictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for obj in objects:
        writer.writerow(csv_row(services.serialize(obj)))
        count += 1
    return count


# ---------------------------------------------------------------- JSON

def _write_json_array(items, out, head: str, tail: str) -> int:
    out.write(head)
    count = 0
    for item in items:
        out.write(",\n" if count else "\n")
        out.write(json.dumps(item, ensure_ascii=False))
        count += 1
    out.write("\n" + tail if count else tail)
    return count


def _write_json(objects, out) -> int:
    return _write_json_array((services.serialize(o) for o in objects), out, '{"objects": [', "]}\n")


# ---------------------------------------------------------------- Linked Art

def _type(uri: str, label: str, kind: str = "Type") -> dict:
    return {"id": uri, "type": kind, "_label": label}


def _statement_type(uri: str, label: str) -> dict:
    # Linked Art classifies a statement's type itself as a "Brief Text" (its meta-type).
    return {**_type(uri, label), "classified_as": [_type(BRIEF_TEXT, "Brief Text")]}


def _language(code: str) -> list:
    if code in LANGUAGES:
        aat, label = LANGUAGES[code]
        return [_type(AAT + aat, label, "Language")]
    return []


def _iso_year(year: int, end: bool) -> str:
    # Turath counts 1 BCE as -1; ISO 8601 (astronomical) years count it as 0.
    iso = year if year > 0 else year + 1
    sign = "-" if iso < 0 else ""
    return f"{sign}{abs(iso):04d}-12-31T23:59:59Z" if end else f"{sign}{abs(iso):04d}-01-01T00:00:00Z"


def _concept_ref(concept, kind: str) -> dict:
    return _type(concept.aat_uri or concept.uri, concept.label("en"), kind)


def _texts(value) -> list[tuple[str, str]]:
    return multilingual.texts(value)


def _inscription_label(ins) -> str:
    details = ", ".join(part for part in (ins.script, ins.position) if part)
    return f"{ins.get_kind_display()} ({details})" if details else str(ins.get_kind_display())


def linked_art(obj: CulturalObject) -> dict:
    """One record as a Linked Art HumanMadeObject (https://linked.art/model/object/), a document that
    validates against the Linked Art API 1.0 schema on its own (hence its own "@context").

    The register keeps the maker, the place of origin and the current holder as plain text, not as
    entities with records of their own; Linked Art refers to people, groups and places by id, so each
    gets an id under the object's own URI (a fragment) that names it without claiming a record elsewhere.
    Inscriptions are statements (`referred_to_by`, classified as inscription or signature statements):
    `carries` may only refer to texts that have records of their own."""
    uri = f"{OBJECT_BASE}{obj.uid}"
    doc = {"@context": LINKED_ART_CONTEXT, "id": uri, "type": "HumanMadeObject",
           "_label": str(multilingual.show(obj.title, "en") or multilingual.show(obj.description, "en")
                         or obj.record_number)}
    doc["classified_as"] = [_concept_ref(obj.object_type, "Type")]
    names = [{"type": "Name", "content": text, "language": _language(code),
              "classified_as": [_type(PRIMARY_NAME, "Primary Name")] if i == 0 else []}
             for i, (code, text) in enumerate(_texts(obj.title))]
    agency = obj.owning_agency
    names.append({"type": "Identifier", "content": obj.record_number,
                  "classified_as": [_type(ACCESSION_NUMBER, "Accession Number")],
                  "assigned_by": [{"type": "AttributeAssignment", "carried_out_by": [
                      _type(AGENCY_BASE + quote(agency.code, safe=""), agency.name_en, "Group")]}]})
    names += [{"type": "Identifier", "content": number, "_label": "inventory number"}
              for number in obj.inventory_numbers or []]
    doc["identified_by"] = names
    materials = [_concept_ref(c, "Material") for c in obj.materials.all()]
    if materials:
        doc["made_of"] = materials
    production: dict = {"type": "Production"}
    if obj.date_earliest is not None or obj.date_text:
        span: dict = {"type": "TimeSpan"}
        if obj.date_text:
            span["identified_by"] = [{"type": "Name", "content": obj.date_text}]
        if obj.date_earliest is not None:
            span["begin_of_the_begin"] = _iso_year(obj.date_earliest, end=False)
        if obj.date_latest is not None:
            span["end_of_the_end"] = _iso_year(obj.date_latest, end=True)
        production["timespan"] = span
    if obj.maker:
        production["carried_out_by"] = [_type(f"{uri}#maker", obj.maker, "Person")]
    techniques = [_concept_ref(c, "Type") for c in obj.techniques.all()]
    if techniques:
        production["technique"] = techniques
    if obj.period is not None:
        production["during"] = [_type(obj.period.aat_uri or obj.period.uri, obj.period.label("en"), "Period")]
    if obj.place_of_origin:
        production["took_place_at"] = [_type(f"{uri}#place-of-origin", obj.place_of_origin, "Place")]
    if len(production) > 1:
        doc["produced_by"] = production
    dimensions = []
    for m in obj.measurements.all():
        aat, unit_label = UNITS[m.unit]
        dimensions.append({"type": "Dimension", "value": float(m.value), "unit": _type(AAT + aat, unit_label,
                                                                                        "MeasurementUnit"),
                           "classified_as": [_type(AAT + DIMENSION_TYPES[m.dimension], m.dimension)]})
    if dimensions:
        doc["dimension"] = dimensions
    statements = [{"type": "LinguisticObject", "content": text, "language": _language(code),
                   "classified_as": [_statement_type(DESCRIPTION, "Description")]}
                  for code, text in _texts(obj.description)]
    for ins in obj.inscriptions.all():
        kind = _statement_type(*(SIGNATURE_STATEMENT if ins.kind == "signature" else INSCRIPTION_STATEMENT))
        statements += [{"type": "LinguisticObject", "_label": _inscription_label(ins), "content": text,
                        "language": _language(code), "classified_as": [kind]} for code, text in _texts(ins.text)]
    if statements:
        doc["referred_to_by"] = statements
    if obj.current_holder:
        # CIDOC CRM P50 "has current keeper" is Linked Art's current_custodian.
        doc["current_custodian"] = [_type(f"{uri}#current-holder", obj.current_holder, "Group")]
    images = [{"type": "VisualItem", "_label": image.caption or obj.record_number, "digitally_shown_by": [{
        "type": "DigitalObject", "format": image.mime, "access_point": [_type(
            settings.TURATH_BASE_URL.rstrip("/") + reverse("register:object-image", kwargs={
                "record_number": obj.record_number, "sha256": image.sha256, "size": "original"}),
            image.caption or image.sha256, "DigitalObject")]}]} for image in obj.images.all()]
    if images:
        doc["representation"] = images
    return doc


def _write_jsonld(objects, out) -> int:
    head = '{"@context": ' + json.dumps(LINKED_ART_CONTEXT) + ', "@graph": ['
    return _write_json_array((linked_art(o) for o in objects), out, head, "]}\n")


# ---------------------------------------------------------------- entry point

WRITERS = {"csv": _write_csv, "json": _write_json, "jsonld": _write_jsonld}


def export(user, fmt: str, out, queryset: QuerySet | None = None, filters: dict | None = None) -> int:
    """Write the records `user` may see (narrowed by `queryset` and `filters`) to the text stream
    `out` in `fmt`; returns how many were written and audits the export."""
    if fmt not in WRITERS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    qs = visible_objects(user, queryset, filters)
    count = WRITERS[fmt](_stream(qs), out)
    audit.record("register.object.export", object_type="register.culturalobject",
                 object_repr=f"{count} records as {fmt}",
                 after={"count": count, "format": fmt, "filters": filters or {},
                        "queryset": queryset is not None}, user=user)
    return count
