"""Import of Object ID records from CSV or JSON files.

CSV columns (header row required; order free; `turath import --template` prints the header):

    record_number            the register's number, unique across agencies (required)
    object_type              a concept of the object-types scheme (required): label in any language or URI
    materials, techniques    ";"-separated labels (Arabic, English, French) or concept URIs
    measurements             "height=12.5 cm; width=8 cm" (also hauteur/ارتفاع …, weight in g/kg)
    inscriptions             ";"-separated texts in `language`, or a JSON list of
                             {"kind", "text", "script", "position"} (what the exporter writes)
    distinguishing_features, title, subject, description
                             free text in the original language given by `language` (ar/en/fr);
                             a title or a description is required (Object ID)
    language                 original language of the free text (defaults to the importing user's);
                             exceptions per field after it: "fr; description=ar" (the exporter writes these)
    title_ar, title_en, title_fr, description_ar, description_en, description_fr
                             translations; human translations unless the language is listed in
    machine_translated       ";"-separated languages whose translations were machine-made ("en; fr"),
                             or single columns ("description_en")
    date                     as written: 1250, 1250-1300, 656 AH, 12th century, 300 BCE …
    period                   a concept of the periods scheme
    maker, related_written_material, place_of_origin, place_of_discovery, current_holder   plain text
    origin_country           ISO 3166-1 alpha-2 code
    inventory_numbers, cross_references   ";"-separated lists
    date_documented          YYYY-MM-DD
    status                   initial status of a new record (registered, reported_stolen …)
    sharing                  agency | network | members | public (default agency)

Translations of subject and distinguishing_features, and inscription details, travel in JSON (or
the JSON form of the inscriptions cell); CSV carries title and description translations only.
A progress callable (the CLI passes a tqdm bar on stderr) is called with the number of rows of each batch.

JSON: an array of records, or {"objects": [...]}, in the shape services.serialize() produces
(so an export re-imports unchanged); derived keys (uid, owning_agency, version, images, date_*) are
ignored. Arrays are read element by element, so a large file is never held in memory.

Every row goes through services.validate_record, the one validation path of the UI, the API and
imports. The report names each failing row (CSV line number, JSON index) and field, with vocabulary
suggestions for unknown terms.

Reading: lines may end in LF, CRLF or a bare CR (old Macintosh spreadsheets); rows whose cells are all
empty (a spreadsheet's trailing rows) are skipped; a cell longer than MAX_CELL_CHARS, or anything else the
csv module refuses, is a report line naming the row (and the column), never a traceback. The report says
which encoding was used and whether it was detected or declared.

Writing: the whole import runs in one transaction. A dry run writes nothing at all and reports what it
would create and update (counts and record numbers). By default it is all or nothing: a single invalid
row, or a crash, writes nothing. With `partial=True` the valid rows are written and the others
reported. Re-importing is idempotent on record_number: a row equal to the stored record (compared
through serialize()) changes nothing, a changed row updates the record through services.update_object
(only where the importing user's agency owns it and the user may change it; otherwise the row is an
error). New records take a bulk path (concepts resolved once per term and cached, rows inserted in
batches with their search text, materials, techniques, measurements, inscriptions and first status
change; the broader-concept closures of a batch are loaded together). What repeats across rows is worked
out once per distinct value and remembered: words' normalised forms (core.textnorm), measurements,
dates, countries (inside validate_record, never its messages) and `language` cells;
tests/test_import_fast.py proves these give what the plain computations give. Deliberately, the
audit log receives ONE entry per batch of new records (action "import", the record numbers and a
SHA-256 digest of the rows), not one "create" entry per record; updates are audited per record by
update_object.
"""

import codecs
import csv
import hashlib
import io
import json
import os
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from turath.core import audit, csvsafe
from turath.core.context import acting_as
from turath.core.errors import RecordInvalid
from turath.core.importing import ImportReport
from turath.core.parsing import is_id, parse_id
from turath.core.permissions import can_add
from turath.vocabulary import services as vocab
from turath.vocabulary.models import Concept, ConceptLabel

from . import services
from .models import BulkLoad, CulturalObject, Inscription, Measurement, StatusChange
from .search import compose_search_text, concept_token

TEXT_TRANSLATED = ("title", "description")
LANGS = ("ar", "en", "fr")
COLUMNS = (
    "record_number", "object_type", "materials", "techniques", "measurements", "inscriptions",
    "distinguishing_features", "title", "subject", "description", "language",
    *(f"{f}_{lang}" for f in TEXT_TRANSLATED for lang in LANGS), "machine_translated",
    "date", "period", "maker", "inventory_numbers", "related_written_material", "place_of_origin",
    "place_of_discovery", "origin_country", "cross_references", "date_documented", "current_holder",
    "status", "sharing",
)
REQUIRED_COLUMNS = ("record_number", "object_type")
# JSON keys that serialize() writes but that the register derives itself.
DERIVED_KEYS = {"uid", "owning_agency", "version", "images", "date_calendar", "date_earliest", "date_latest",
                "hijri_earliest", "hijri_latest"}
JSON_KEYS = set(COLUMNS) | DERIVED_KEYS | {"lang"}
DEFAULT_MAX_BYTES = 2 * 1024**3
BATCH_SIZE = 1000
MAX_REPORTED_ROWS = ImportReport.MAX_REPORTED_ROWS


class ImportFileError(Exception):
    """The file as a whole cannot be read (size, encoding, header)."""


@dataclass
class RecordImportReport(ImportReport):
    """The register's import report: rows keyed by record number, and how the file was read."""

    KEY = "record_number"
    encoding: str = ""
    encoding_detected: bool = False  # False: declared with --encoding
    delimiter: str = ""

    def describe_source(self) -> str:
        if not self.format:
            return ""
        encoding = (f", encoding {self.encoding} ({'detected' if self.encoding_detected else 'declared'})"
                    if self.encoding else "")
        return f" ({self.format}{encoding}" + (f", delimiter {self.delimiter!r}" if self.delimiter else "") + ")"

    def as_dict(self) -> dict:
        return {**super().as_dict(), "encoding": self.encoding, "encoding_detected": self.encoding_detected,
                "delimiter": self.delimiter}


class _Rollback(Exception):
    """Leaves the import's transaction without writing (all-or-nothing with errors, or a dry run)."""


# ---------------------------------------------------------------- reading files

def template_header(delimiter: str = ",") -> str:
    return delimiter.join(COLUMNS)


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM) when the bytes are valid UTF-8, else charset-normalizer's guess
    among the encodings the member states' files come in (Windows-1256 Arabic, Latin-1 French)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(sample, cp_isolation=["cp1256", "cp1252", "latin_1", "utf_8"]).best()
    if best is None:
        raise ImportFileError(_("Cannot tell the file's encoding; declare it with --encoding (utf-8, cp1256, latin-1)."))
    return best.encoding


_BARE_CR = re.compile(rb"(?<=\r)(?!\n)")
_CR_SAMPLE_BYTES = 1 << 20


def _raw_lines(fh) -> Iterator[bytes]:
    """The file's lines, ending in LF, CRLF or a bare CR (old Macintosh spreadsheets end lines with CR
    alone; the csv module refuses a CR inside an unquoted field). Lines are split at bare CRs only when
    the file's first MiB has one: checking each line costs about 3 µs, several times reading it."""
    start = fh.tell()
    sample = fh.read(_CR_SAMPLE_BYTES)
    fh.seek(start)
    if not _BARE_CR.search(sample):
        yield from fh  # a bare CR further on ends in a report line (see read_csv), never a traceback
        return
    for raw in fh:
        if b"\r" in raw and _BARE_CR.search(raw):
            yield from (part for part in _BARE_CR.split(raw) if part)
        else:
            yield raw


def _decoded_lines(fh, encoding: str) -> Iterator[str]:
    """Lines decoded one by one, so bytes that do not decode are reported with their line number.
    (In UTF-8, Windows-1256 and Latin-1 a newline byte is always a newline.)"""
    codec = codecs.lookup(encoding).name
    for number, raw in enumerate(_raw_lines(fh), 1):
        if number == 1 and raw.startswith(codecs.BOM_UTF8) and codec.startswith("utf-8"):
            raw = raw[len(codecs.BOM_UTF8):]
        try:
            yield raw.decode("utf-8" if codec.startswith("utf-8") else codec)
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                _("Line %(line)d: bytes that are not valid %(enc)s (byte 0x%(byte)02X at position %(pos)d). "
                  "Declare the file's encoding with --encoding (e.g. cp1256 for Arabic Windows files, "
                  "latin-1 for older French files).")
                % {"line": number, "enc": encoding, "byte": raw[exc.start], "pos": exc.start + 1}) from None


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


# A cell longer than this is reported (the csv module's own default limit). The module's limit is
# raised above it so that the reader hands the cell over and the report can name its column; it is
# process-wide, and only ever raised.
MAX_CELL_CHARS = 131_072
_CSV_READ_LIMIT = 64 * 1024 * 1024


def read_csv(fh, encoding: str, report: RecordImportReport, delimiter: str | None = None) -> Iterator[tuple[str, dict]]:
    """(row label, row dict) for each data row; raises ImportFileError for a bad header."""
    lines = _decoded_lines(fh, encoding)
    first = next(lines, None)
    if first is None:
        raise ImportFileError(_("The file is empty."))
    report.delimiter = delimiter or _sniff_delimiter(first)

    def chain():
        yield first
        yield from lines

    if csv.field_size_limit() < _CSV_READ_LIMIT:
        csv.field_size_limit(_CSV_READ_LIMIT)
    reader = csv.reader(chain(), delimiter=report.delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except csv.Error as exc:
        raise ImportFileError(_("The header line cannot be read as CSV: %(e)s.") % {"e": exc}) from None
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise ImportFileError(_("Unknown columns: %(cols)s. Known columns: %(known)s.")
                              % {"cols": ", ".join(unknown) or "(empty name)", "known": ", ".join(COLUMNS)})
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise ImportFileError(_("Columns given twice: %(cols)s.") % {"cols": ", ".join(duplicated)})
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if not any(h.startswith(("title", "description")) for h in header):
        missing.append("title or description")
    if missing:
        raise ImportFileError(_("Missing required columns: %(cols)s.") % {"cols": ", ".join(missing)})
    line = reader.line_num + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # The reader starts afresh at the next line: the rest of the file is still checked.
            start, line = line, reader.line_num + 1
            yield f"line {start}", {"__malformed__": _("Cannot be read as CSV: %(e)s.") % {"e": exc},
                                    "record_number": ""}
            continue
        start, line = line, reader.line_num + 1
        if not any(v.strip() for v in values):
            continue  # a blank line, or an empty row of a spreadsheet (",,,,")
        label = f"line {start}"
        if len(values) != len(header):
            yield label, {"__malformed__": _("%(n)d values for %(m)d columns (check the quoting and the delimiter).")
                          % {"n": len(values), "m": len(header)}, "record_number": values[0] if values else ""}
            continue
        # Turath's own exports quote cells a spreadsheet would evaluate (core.csvsafe): read back as exported.
        row = dict(zip(header, map(csvsafe.unescape_cell, values), strict=True))
        too_long = {name: [_("%(n)d characters, over the limit of %(max)d for one cell.")
                           % {"n": len(value), "max": MAX_CELL_CHARS}]
                    for name, value in row.items() if len(value) > MAX_CELL_CHARS}
        if too_long:
            yield label, {"__malformed__": too_long, "record_number": row.get("record_number", "")[:100]}
            continue
        yield label, row


def read_json(fh, encoding: str) -> Iterator[tuple[str, dict]]:
    """Elements of a top-level array, or of the "objects" array of a top-level object, one at a time."""
    text = io.TextIOWrapper(fh, encoding="utf-8" if encoding.startswith("utf") else encoding, errors="strict")
    stream = _JsonStream(text)
    try:
        first = stream.peek()
        if first == "[":
            items = stream.array()
        elif first == "{":
            items = stream.object_member("objects")
        else:
            raise ImportFileError(_("A JSON import is an array of records or {\"objects\": [...]}."))
        for index, item in enumerate(items):
            label = f"[{index}]"
            if not isinstance(item, dict):
                yield label, {"__malformed__": _("Each record is a JSON object."), "record_number": ""}
            else:
                yield label, item
    except json.JSONDecodeError as exc:
        raise ImportFileError(_("Not valid JSON near character %(pos)d: %(msg)s")
                              % {"pos": stream.consumed + exc.pos, "msg": exc.msg}) from None
    except UnicodeDecodeError:
        raise ImportFileError(_("The JSON file is not valid %(enc)s; declare its encoding with --encoding.")
                              % {"enc": encoding}) from None


class _JsonStream:
    """Just enough of an incremental JSON reader to walk one array without loading the file."""

    CHUNK = 1 << 16

    def __init__(self, text):
        self.text, self.buf, self.pos, self.consumed, self.eof = text, "", 0, 0, False
        self.decoder = json.JSONDecoder()

    def _fill(self):
        if self.eof:
            return False
        chunk = self.text.read(self.CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.consumed += self.pos
        self.buf, self.pos = self.buf[self.pos:] + chunk, 0
        return True

    def peek(self) -> str:
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._fill():
                return ""

    def expect(self, char):
        if self.peek() != char:
            raise json.JSONDecodeError(f"expected {char!r}", self.buf, self.pos)
        self.pos += 1

    def value(self):
        while True:
            self.peek()
            try:
                value, end = self.decoder.raw_decode(self.buf, self.pos)
                # A number at the end of the buffer may continue in the next chunk.
                if end == len(self.buf) and not self.eof and self._fill():
                    continue
                self.pos = end
                return value
            except json.JSONDecodeError:
                if not self._fill():
                    raise

    def array(self):
        self.expect("[")
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            yield self.value()
            if self.peek() == ",":
                self.pos += 1
                continue
            self.expect("]")
            return

    def object_member(self, wanted):
        self.expect("{")
        while self.peek() != "}":
            key = self.value()
            self.expect(":")
            if key == wanted:
                yield from self.array()
            else:
                self.value()
            if self.peek() == ",":
                self.pos += 1
        self.pos += 1


# ---------------------------------------------------------------- rows to records

def _json_concept(value):
    if isinstance(value, dict):
        return value.get("uri") or value.get("id") or ""
    return value


_DATA_KEYS = JSON_KEYS - DERIVED_KEYS
_TRANSLATION_KEYS = {fld: tuple((code, f"{fld}_{code}") for code in LANGS) for fld in services.TEXT_FIELDS}


def row_to_data(row: dict) -> tuple[dict, dict[str, list[str]]]:
    """A CSV row or JSON element as the dict validate_record reads, plus errors of the row's shape."""
    errors: dict[str, list[str]] = {}
    if not row.keys() <= JSON_KEYS:
        unknown = sorted(k for k in row if k not in JSON_KEYS)
        errors["row"] = [_("Unknown fields: %(f)s.") % {"f": ", ".join(unknown)}]
    data = {k: v.strip() if isinstance(v, str) else v for k, v in row.items() if k in _DATA_KEYS}
    lang, field_langs = _languages(str(data.get("language") or data.get("lang") or ""), errors)
    if lang:
        data["language"] = lang
    machine = _machine_translated(str(data.pop("machine_translated", "") or ""))
    for fld, keys in _TRANSLATION_KEYS.items():
        translations = {}
        for code, key in keys:
            text = data.pop(key, None)
            if text:
                translations[code] = text
        if data.get(fld) == {}:
            data[fld] = ""  # serialize() writes an empty text as {}
        original = data.get(fld) or ""
        flang = field_langs.get(fld, lang)
        if isinstance(original, dict):
            if translations:
                errors.setdefault(fld, []).append(_("Give translations inside the JSON text, not as separate fields."))
            continue
        if not translations and (fld not in field_langs or not original):
            continue
        if not original and flang in translations:
            original = translations.pop(flang)
        data[fld] = {"lang": flang or None, "text": original,
                     "tr": {code: {"text": text, "machine": code in machine or f"{fld}_{code}" in machine}
                            for code, text in translations.items()}}
    inscriptions = data.get("inscriptions")
    if isinstance(inscriptions, str) and inscriptions.startswith("["):
        try:
            data["inscriptions"] = json.loads(inscriptions)
        except json.JSONDecodeError:
            errors.setdefault("inscriptions", []).append(_("Starts with «[» but is not a JSON list."))
    for key in ("object_type", "period"):
        if key in data:
            data[key] = _json_concept(data[key])
    for key in ("materials", "techniques"):
        if isinstance(data.get(key), list):
            data[key] = [_json_concept(v) for v in data[key]]
    return data, errors


# The few distinct `language` and `machine_translated` cells of a file, each read once (bounded).
_LANGUAGE_CELLS: dict[str, tuple[str, dict[str, str], tuple[str, ...]]] = {}
_MACHINE_CELLS: dict[str, frozenset] = {}
_CELLS_MAX = 10_000


def _machine_translated(value: str) -> frozenset:
    said = _MACHINE_CELLS.get(value)
    if said is None:
        if len(_MACHINE_CELLS) >= _CELLS_MAX:
            _MACHINE_CELLS.clear()
        said = _MACHINE_CELLS[value] = frozenset(
            m.strip().lower() for m in value.replace(",", ";").split(";") if m.strip())
    return said


def _languages(value: str, errors: dict) -> tuple[str, dict[str, str]]:
    """The `language` cell: the default original language, then optional per-field exceptions,
    e.g. "ar; description=fr" (the exporter writes these when a record's texts differ in language)."""
    said = _LANGUAGE_CELLS.get(value)
    if said is None:
        if len(_LANGUAGE_CELLS) >= _CELLS_MAX:
            _LANGUAGE_CELLS.clear()
        said = _LANGUAGE_CELLS[value] = _read_languages(value)
    default, per_field, wrong = said
    for part in wrong:
        errors.setdefault("language", []).append(
            _("«%(v)s»: write a language code (ar, en, fr), optionally followed by field=code.") % {"v": part})
    return default, dict(per_field)


_LANG_CODE = re.compile(r"[a-z]{2,3}")


def _read_languages(value: str) -> tuple[str, dict[str, str], tuple[str, ...]]:
    """(default language, per-field languages, the parts that are not understood) of a `language` cell."""
    default, per_field, wrong = "", {}, []
    for part in (p.strip() for p in value.replace(",", ";").split(";")):
        if not part:
            continue
        fld, _sep, code = part.rpartition("=")
        fld, code = fld.strip(), code.strip().lower()
        if not _LANG_CODE.fullmatch(code) or (fld and fld not in services.TEXT_FIELDS):
            wrong.append(part)
        elif fld:
            per_field[fld] = code
        else:
            default = code
    return default, per_field, tuple(wrong)


class ConceptCache:
    """Term → concept per scheme, and concept → its search tokens with its broader concepts', each
    looked up once per import."""

    def __init__(self):
        self.resolved: dict[tuple[str, str], Concept | None] = {}
        self.closures: dict[int, list[tuple[int, list[str]]]] = {}

    def resolve(self, value, scheme_key):
        if value in (None, "") or isinstance(value, Concept):
            return value
        key = (scheme_key, str(value).strip())
        if key not in self.resolved:
            term = key[1]
            if is_id(term):
                found = Concept.objects.filter(pk=parse_id(term), scheme__key=scheme_key).first()
            else:
                found = vocab.resolve_concept(term, scheme_key)
            self.resolved[key] = found
        # An unknown term stays as written: validate_record reports it with its suggestions.
        return self.resolved[key] or value

    def prepare(self, data: dict) -> dict:
        for fld, scheme in services.CONCEPT_FIELDS.items():
            if fld in data:
                data[fld] = self.resolve(data[fld], scheme)
        for fld, scheme in services.CONCEPT_LIST_FIELDS.items():
            if fld in data:
                data[fld] = [self.resolve(v, scheme) for v in services._split(data[fld])]
        return data

    def terms(self, concept: Concept, seen: set) -> list[str]:
        """Same tokens as search._concept_terms, from the cache."""
        if concept.pk not in self.closures:
            self._load_closure(concept.pk)
        out = []
        for cid, terms in self.closures[concept.pk]:
            if cid not in seen:
                seen.add(cid)
                out.extend(terms)
        return out

    def preload(self, concepts: Iterable):
        """Load the closures of many concepts at once (a batch's): one query per level of broader links and
        one for the labels, where terms() would query each concept separately. The same concepts and labels
        as _load_closure; within a level, parents come in the order of their ids."""
        todo = list(dict.fromkeys(c.pk for c in concepts if c is not None and c.pk not in self.closures))
        if len(todo) < 2:
            return
        through = Concept.broader.through
        parents: dict[int, list[int]] = {}
        known, frontier = set(todo), todo
        while frontier:
            for child, parent in through.objects.filter(from_concept_id__in=frontier).order_by(
                    "from_concept_id", "to_concept_id").values_list("from_concept_id", "to_concept_id"):
                parents.setdefault(child, []).append(parent)
            frontier = [p for f in frontier for p in parents.get(f, ()) if p not in known]
            frontier = list(dict.fromkeys(frontier))
            known.update(frontier)
        labels: dict[int, list[str]] = {cid: [] for cid in known}
        for cid, norm in ConceptLabel.objects.filter(concept_id__in=known).values_list("concept_id", "norm"):
            labels[cid].append(norm)
        for concept_id in todo:
            order, level = [concept_id], [concept_id]
            while level:
                level = [p for p in dict.fromkeys(p for f in sorted(level) for p in parents.get(f, ())) if p not in order]
                order.extend(level)
            self.closures[concept_id] = [(cid, [concept_token(cid), *labels[cid]]) for cid in order]

    def _load_closure(self, concept_id: int):
        through = Concept.broader.through
        order, frontier = [concept_id], [concept_id]
        while frontier:
            parents = list(through.objects.filter(from_concept_id__in=frontier).values_list("to_concept_id", flat=True))
            frontier = [p for p in dict.fromkeys(parents) if p not in order]
            order.extend(frontier)
        labels: dict[int, list[str]] = {cid: [] for cid in order}
        for cid, norm in ConceptLabel.objects.filter(concept_id__in=order).values_list("concept_id", "norm"):
            labels[cid].append(norm)
        self.closures[concept_id] = [(cid, [concept_token(cid), *labels[cid]]) for cid in order]


# ---------------------------------------------------------------- comparing with the stored record

def _concept_json(c):
    return None if c is None else {"uri": c.uri, "ar": c.pref_ar, "en": c.pref_en, "fr": c.pref_fr}


def _comparable(data: dict) -> dict:
    """serialize() output with list order that carries no meaning sorted away."""
    out = dict(data)
    for key in ("materials", "techniques"):
        out[key] = sorted(c["uri"] for c in out.get(key) or [])
    for key in DERIVED_KEYS - {"date_calendar", "date_earliest", "date_latest", "hijri_earliest", "hijri_latest"}:
        out.pop(key, None)
    return out


def _preview(before: dict, cleaned: services.Cleaned) -> dict:
    """What serialize() would say after applying `cleaned` to the record serialized as `before`."""
    after = dict(before)
    for key, value in cleaned.values.items():
        if key in ("object_type", "period"):
            after[key] = _concept_json(value)
        elif key == "date_text":
            after["date"] = value
        elif key == "date_documented":
            after[key] = value.isoformat() if value else None
        else:
            after[key] = value
    if cleaned.materials is not None:
        after["materials"] = [_concept_json(c) for c in cleaned.materials]
    if cleaned.techniques is not None:
        after["techniques"] = [_concept_json(c) for c in cleaned.techniques]
    if cleaned.measurements is not None:
        after["measurements"] = [
            {"dimension": m["dimension"], "value": f"{m['value'].quantize(_MILLI).normalize():f}", "unit": m["unit"],
             "note": m["note"]} for m in cleaned.measurements]
    if cleaned.inscriptions is not None:
        after["inscriptions"] = [dict(i) for i in cleaned.inscriptions]
    return json.loads(json.dumps(after, default=str))


_MILLI = Decimal("0.001")
# What json.dumps(data, sort_keys=True, ensure_ascii=False, default=str) builds on every call, built once.
_DIGEST_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str)


# ---------------------------------------------------------------- the import

_ATTNAME = {"object_type": "object_type_id", "period": "period_id"}
_OBJECT_DEFAULTS = {f.attname: f.get_default() for f in CulturalObject._meta.concrete_fields
                    if not f.primary_key and f.attname not in ("uid",)}


def _adapter(f, conn):
    """How the ORM would turn a field's Python value into a query parameter, minus its per-value overhead.
    `conn` is the connection itself (not the `connection` proxy, whose every attribute costs a lookup)."""
    kind = f.get_internal_type()
    if kind == "JSONField":
        adapt_json, encoder, empty = conn.ops.adapt_json_value, f.encoder, {}

        def adapt_json_memo(v):
            # Empty texts and lists (most subjects, features, inventory numbers…) are adapted once per batch.
            if not v and type(v) in (dict, list):
                done = empty.get(type(v))
                if done is None:
                    done = empty[type(v)] = adapt_json(v, encoder)
                return done
            return adapt_json(v, encoder)
        return adapt_json_memo
    if kind in ("DateTimeField", "DateField", "DecimalField"):
        # Few distinct values per batch (one timestamp, dates documented, measurement values): adapt each
        # once. Decimals are keyed by their text, so 12.5 and 12.50 each keep their own adaptation.
        memo, prep = {}, f.get_db_prep_save
        keyed = str if kind == "DecimalField" else None

        def adapt_memo(v):
            key = keyed(v) if keyed else v
            done = memo.get(key)
            if done is None:
                done = memo[key] = prep(v, conn)
            return done
        return adapt_memo
    if kind == "UUIDField":
        prep = f.get_db_prep_save
        return lambda v: prep(v, conn)
    return None


def _raw_insert(model, rows: list[dict]):
    """INSERT rows (dicts keyed by column attname) with one executemany: no model instances, no per-value
    compilation. Values are adapted as the ORM adapts them (JSON, UUID, dates, decimals)."""
    if not rows:
        return
    conn = connections[DEFAULT_DB_ALIAS]
    quote = conn.ops.quote_name
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields), ", ".join(["%s"] * len(fields)))
    adapt = [(f.attname, _adapter(f, conn)) for f in fields]
    params = [[row[name] if fn is None or row[name] is None else fn(row[name]) for name, fn in adapt]
              for row in rows]
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            # COPY is PostgreSQL's bulk path: several times faster than executemany for these row counts.
            columns = ", ".join(quote(f.column) for f in fields)
            with cursor.cursor.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
                for values in params:
                    copy.write_row(values)
            return
        for start in range(0, len(params), 2000):
            cursor.executemany(sql, params[start:start + 2000])


def _index_batch(ids: list[int]):
    """Index a batch of new records with one statement each for the text index and the search rows
    (the work the SQLite insert triggers do row by row outside bulk loads; migrations 0002-0004)."""
    ids_json = json.dumps(ids)
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO register_fts (rowid, search_text) SELECT id, search_text "
                       "FROM register_culturalobject WHERE id IN (SELECT value FROM json_each(%s))", [ids_json])
        cursor.execute(
            "INSERT OR REPLACE INTO register_searchrow (object_id, owning_agency_id, sharing, status, object_type_id, "
            "period_id, origin_country, updated, deleted, stamp) "
            "SELECT id, owning_agency_id, sharing, status, object_type_id, period_id, origin_country, updated, 0, "
            "(SELECT coalesce(max(stamp), 0) + 1 FROM register_searchrow) "
            "FROM register_culturalobject WHERE id IN (SELECT value FROM json_each(%s))", [ids_json])


class _Importer:
    def __init__(self, user, *, partial: bool, dry_run: bool, report: RecordImportReport, progress, source: str):
        self.user, self.partial, self.dry_run, self.report = user, partial, dry_run, report
        self.progress, self.source = progress, source
        self.cache = ConceptCache()
        self.seen_numbers: set[str] = set()
        self.agency = user.agency
        self.bulk = False  # a BulkLoad row is held in this transaction (SQLite)

    def fail(self, label, number, errors, suggestions=None):
        self.report.fail(label, errors, key=number, suggestions=suggestions)

    @property
    def writing(self) -> bool:
        # All or nothing: after the first failure nothing more is written, but every row is still checked.
        # A dry run writes nothing at all (it counts what it would write).
        return not self.dry_run and (self.partial or not self.report.failed)

    def run(self, rows: Iterable[tuple[str, dict]]):
        batch = []
        for label, row in rows:
            batch.append((label, row))
            if len(batch) >= BATCH_SIZE:
                self.batch(batch)
                batch = []
        if batch:
            self.batch(batch)

    def batch(self, batch):
        self.report.rows += len(batch)
        prepared = []
        for label, row in batch:
            number = str(row.get("record_number") or "").strip()
            if "__malformed__" in row:
                problem = row["__malformed__"]
                self.fail(label, number, problem if isinstance(problem, dict) else {"row": [problem]})
                continue
            data, errors = row_to_data(row)
            if errors:
                self.fail(label, number, errors)
                continue
            if number and number in self.seen_numbers:
                self.fail(label, number, {"record_number": [_("Given twice in this file.")]})
                continue
            if number:
                self.seen_numbers.add(number)
            prepared.append((label, number, self.cache.prepare(data)))
        existing = {} if not prepared else {o.record_number: o for o in CulturalObject.objects.filter(
            record_number__in=[number for _label, number, _data in prepared if number]).select_related(
            "owning_agency", "object_type", "period").prefetch_related(
            "materials", "techniques", "measurements", "inscriptions", "images")}
        visible = set(CulturalObject.objects.restrict(self.user, "view").filter(
            pk__in=[o.pk for o in existing.values()]).values_list("pk", flat=True))
        changeable = set(CulturalObject.objects.restrict(self.user, "change").filter(
            pk__in=[o.pk for o in existing.values()]).values_list("pk", flat=True))
        new_records = []
        for label, number, data in prepared:
            suggestions: dict = {}
            obj = existing.get(number)
            try:
                if obj is None:
                    cleaned = services.validate_record(data, user=self.user, suggestions=suggestions)
                    new_records.append((label, number, data, cleaned))
                    continue
                if obj.pk not in visible:
                    raise RecordInvalid({"record_number": [
                        _("A record with this number already exists in another agency's register.")]})
                cleaned = services.validate_record(data, user=self.user, instance=obj, suggestions=suggestions)
                before = services.serialize(obj)
                if _comparable(_preview(before, cleaned)) == _comparable(json.loads(json.dumps(before, default=str))):
                    self.report.unchanged += 1
                    continue
                if obj.pk not in changeable:
                    raise RecordInvalid({"record_number": [
                        _("This record belongs to another agency or your role may not change it; "
                          "the row differs from it and was not applied.")]})
                if self.writing:
                    with audit.atomic():
                        services.update_object(self.user, obj, data)
                elif self.dry_run and len(self.report.would_update) < MAX_REPORTED_ROWS:
                    self.report.would_update.append(number)
                self.report.updated += 1
            except RecordInvalid as exc:
                self.fail(label, number, exc.errors, suggestions)
        if new_records and not can_add(self.user):
            for label, number, _data, _cleaned in new_records:
                self.fail(label, number, {"record_number": [_("Your role may not add records.")]})
            new_records = []
        if new_records and self.writing:
            self.create(new_records)
        if self.dry_run:
            room = MAX_REPORTED_ROWS - len(self.report.would_create)
            self.report.would_create += [number for _l, number, _d, _c in new_records[:max(room, 0)]]
        self.report.created += len(new_records) if self.writing or self.dry_run else 0
        if self.progress:
            self.progress(len(batch))

    def create(self, records):
        """Insert new records and their children with one executemany per table (the ORM's per-object
        work dominated the import's time), then audit the batch once."""
        now = timezone.now()
        user_id, agency_id = self.user.pk, self.agency.pk
        rows, by_number = [], {}
        self.cache.preload(c for _l, _n, _d, cleaned in records for c in (
            cleaned.values.get("object_type"), cleaned.values.get("period"), *(cleaned.materials or []),
            *(cleaned.techniques or [])))
        for _label, number, _data, cleaned in records:
            values = cleaned.values
            text = compose_search_text(
                values, [i["text"] for i in cleaned.inscriptions or []],
                [values.get("object_type"), values.get("period"), *(cleaned.materials or []),
                 *(cleaned.techniques or [])], self.cache.terms)
            row = {**_OBJECT_DEFAULTS, **{_ATTNAME.get(k, k): v for k, v in values.items()}}
            row.update(object_type_id=values["object_type"].pk, period_id=values["period"] and values["period"].pk,
                       uid=uuid.uuid4(), owning_agency_id=agency_id, created_by_id=user_id, search_text=text,
                       created=now, updated=now, status_changed=now)
            rows.append(row)
            by_number[number] = cleaned
        if connection.vendor == "sqlite" and not self.bulk:
            # See BulkLoad: the insert triggers stand aside for the rest of this transaction.
            BulkLoad.objects.create()
            self.bulk = True
        _raw_insert(CulturalObject, rows)
        ids = dict(CulturalObject.objects.filter(record_number__in=list(by_number)).values_list("record_number", "pk"))
        mat_through, tech_through = CulturalObject.materials.through, CulturalObject.techniques.through
        mats, techs, measures, inscriptions, history = [], [], [], [], []
        note = _("Record created (import)")
        for row in rows:
            pk, cleaned = ids[row["record_number"]], by_number[row["record_number"]]
            # Deduplicated by id (what Concept equality compares), without hashing model instances.
            mats += [{"culturalobject_id": pk, "concept_id": cid} for cid in dict.fromkeys(c.pk for c in cleaned.materials)]
            techs += [{"culturalobject_id": pk, "concept_id": cid}
                      for cid in dict.fromkeys(c.pk for c in cleaned.techniques)]
            measures += [{"object_id": pk, **m} for m in cleaned.measurements]
            inscriptions += [{"object_id": pk, **i} for i in cleaned.inscriptions]
            history.append({"object_id": pk, "from_status": "", "to_status": row["status"], "at": now,
                            "by_id": user_id, "agency_code": self.agency.code, "note": note})
        for model, child_rows in ((mat_through, mats), (tech_through, techs), (Measurement, measures),
                                  (Inscription, inscriptions), (StatusChange, history)):
            _raw_insert(model, child_rows)
        if self.bulk:
            _index_batch(list(ids.values()))
        objs = sorted(ids.items(), key=lambda item: item[1])
        digest = hashlib.sha256()
        for _label, _number, data, _cleaned in records:
            digest.update(_DIGEST_JSON.encode(data).encode())
        audit.record("import", object_type="register.culturalobject",
                     object_repr=_("%(n)d records imported from %(src)s") % {"n": len(objs), "src": self.source},
                     after={"count": len(objs), "source": self.source, "sha256": digest.hexdigest(),
                            "record_numbers": [number for number, _pk in objs],
                            "first_id": objs[0][1], "last_id": objs[-1][1]})


def import_rows(rows_iter: Iterable, user, *, partial: bool = False, dry_run: bool = False, progress=None,
                source: str = "rows", report: RecordImportReport | None = None) -> RecordImportReport:
    """Import rows: (label, dict) pairs, or plain dicts (labelled by their index)."""
    report = report or RecordImportReport(source=source)
    report.partial, report.dry_run = partial, dry_run

    def labelled():
        for index, item in enumerate(rows_iter):
            yield item if isinstance(item, tuple) else (f"[{index}]", item)

    if user is None or user.agency is None:
        report.file_errors.append(_("The importing user must belong to an agency."))
        return report
    importer = _Importer(user, partial=partial, dry_run=dry_run, report=report, progress=progress, source=source)
    try:
        with acting_as(user, via="import"), transaction.atomic():
            # The audit entries are appended at the end, so that the import does not hold the audit
            # log's lock (and with it every other agency's audited actions) while it runs.
            with audit.appended_at_end():
                importer.run(labelled())
                if dry_run or (report.failed and not partial):
                    raise _Rollback
            if importer.bulk:
                BulkLoad.objects.all().delete()  # never committed: the triggers are back for everyone
            report.committed = True
    except _Rollback:
        report.committed = False
    except ImportFileError as exc:
        report.file_errors.append(str(exc))
        report.committed = False
    if not report.committed and (not dry_run or report.file_errors):
        report.created = report.updated = 0
    return report


def import_file(path, user, *, fmt: str | None = None, encoding: str | None = None, partial: bool = False,
                progress: Callable[[int], None] | None = None, dry_run: bool = False,
                max_bytes: int = DEFAULT_MAX_BYTES, delimiter: str | None = None) -> RecordImportReport:
    path = Path(path)
    fmt = (fmt or ("json" if path.suffix.lower() in (".json", ".jsonld") else "csv")).lower()
    report = RecordImportReport(source=path.name, format=fmt, partial=partial)
    if fmt not in ("csv", "json"):
        report.file_errors.append(_("Unknown format «%(f)s»: use csv or json.") % {"f": fmt})
        return report
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        report.file_errors.append(str(exc))
        return report
    if size > max_bytes:
        report.file_errors.append(_("The file is %(size)d bytes, over the limit of %(max)d (raise it with --max-bytes).")
                                  % {"size": size, "max": max_bytes})
        return report
    try:
        with open(path, "rb") as fh:
            if encoding:
                codecs.lookup(encoding)
            report.encoding = encoding or detect_encoding(fh.read(1 << 20))
            report.encoding_detected = not encoding
            fh.seek(0)
            rows = read_csv(fh, report.encoding, report, delimiter) if fmt == "csv" else read_json(fh, report.encoding)
            return import_rows(rows, user, partial=partial, dry_run=dry_run, progress=progress, source=path.name,
                               report=report)
    except LookupError:
        report.file_errors.append(_("Unknown encoding «%(e)s».") % {"e": encoding})
    except ImportFileError as exc:
        report.file_errors.append(str(exc))
    return report
