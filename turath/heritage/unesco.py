"""Import of the UNESCO World Heritage List export, in the shapes UNESCO has published it.

Files are recognised by their content, not their name: XLSX (the 2024 export, whc-sites-2024.xlsx,
read with openpyxl), XLS (2019 and 2021, read with xlrd) or UTF-8 CSV. Column names are compared in
lower case with spaces as underscores. The 2024 export adds the names, short descriptions and states
in Spanish, Russian, Arabic and Chinese (unique_number, id_no, rev_bis, name_en … name_zh,
short_description_en … _zh, justification_en/fr, date_inscribed, secondary_dates, danger, date_end,
danger_list, longitude, latitude, area_hectares, C1 … N10, criteria_txt, category, category_short,
states_name_en … _zh, region_en/fr, iso_code, udnp_code, transboundary); the Arabic name and short
description are kept. When the C1 … N10 flags are missing, the criteria are read from criteria_txt
("(ii)(iv)"). Empty rows (a spreadsheet's trailing rows) are skipped.

A file without id_no (the 2021 XLS) cannot create properties: each row is matched to a property
already imported by its name (English, else French, compared as search text) and its states (ISO
codes, else the states as written); a row that matches none, or several, is a problem naming the
row, and nothing else is guessed.

Idempotent on id_no: a re-import compares every field and writes only what changed, so running
it twice changes nothing. Problems are collected per row (core.importing: row, id_no, field, messages); without
--partial one problem aborts the whole import (nothing is written).
"""

import csv
import html
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from pathlib import Path

from django.db import transaction

from turath.core import audit
from turath.core.countries import is_country
from turath.core.importing import ImportReport
from turath.core.parsing import parse_int
from turath.core.permissions import Sharing
from turath.core.textnorm import search_text

from . import geo
from .configuration import UNESCO_ATTRIBUTION, UNESCO_LIST
from .models import Category, DangerListing, HeritageList, HeritagePlace, Inscription, InscriptionStatus
from .services import set_states

SOURCE = "unesco-whc"
CRITERIA_FLAGS = [("C1", "(i)"), ("C2", "(ii)"), ("C3", "(iii)"), ("C4", "(iv)"), ("C5", "(v)"), ("C6", "(vi)"),
                  ("N7", "(vii)"), ("N8", "(viii)"), ("N9", "(ix)"), ("N10", "(x)")]
CATEGORIES = {"Cultural": Category.CULTURAL, "Natural": Category.NATURAL, "Mixed": Category.MIXED}
DANGER_PERIOD = re.compile(r"([YP])\s+(\d{4})(?:\s*-\s*(\d{4}))?")
FLAG_NAMES = {flag for flag, _code in CRITERIA_FLAGS}
CRITERIA_TEXT = re.compile(r"\(([ivx]+)\)")
# id_no and the criteria (flags or criteria_txt) are checked apart: the 2021 export has no id_no.
REQUIRED_COLUMNS = {"name_en", "name_fr", "date_inscribed", "danger_list", "longitude", "latitude",
                    "area_hectares", "category", "iso_code", "states_name_en", "region_en"}


class _TextExtractor(HTMLParser):
    """HTML to plain text: block elements become paragraph breaks, entities decoded, no tag survives."""

    BLOCKS = {"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "blockquote", "tr"}
    DROPPED = {"script", "style"}  # their content is not text

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.dropping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.DROPPED:
            self.dropping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.DROPPED:
            self.dropping = max(self.dropping - 1, 0)
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self.dropping:
            self.parts.append(data)


def html_to_text(value: str) -> str:
    if not value:
        return ""
    parser = _TextExtractor()
    parser.feed(html.unescape(value) if "&lt;" in value else value)
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    paragraphs = [re.sub(r"[ \t\r\f\v]+", " ", p).strip() for p in re.split(r"\n\s*\n", text)]
    return "\n\n".join(" ".join(line.strip() for line in p.split("\n")) for p in paragraphs if p)


def parse_danger_history(value: str) -> list[tuple[int, int | None]]:
    """"Y 1996 P 1984-1992" → [(1984, 1992), (1996, None)]: P = past period, Y = on the list now."""
    value = (value or "").strip()
    if not value:
        return []
    periods, pos = [], 0
    for m in DANGER_PERIOD.finditer(value):
        if value[pos:m.start()].strip():
            raise ValueError(f"cannot read {value!r}")
        pos = m.end()
        kind, start, end = m.group(1), int(m.group(2)), m.group(3)
        if kind == "Y":
            if end:
                raise ValueError(f"current listing with an end year in {value!r}")
            periods.append((start, None))
        else:
            if not end or int(end) < start:
                raise ValueError(f"past listing without a valid end year in {value!r}")
            periods.append((start, int(end)))
    if value[pos:].strip():
        raise ValueError(f"cannot read {value!r}")
    return sorted(periods)


@dataclass
class UnescoImportReport(ImportReport):
    """Rows are the spreadsheet's (the header is row 1), keyed by UNESCO id_no."""

    KEY = "id_no"
    matched_by_name: int = 0  # rows without id_no matched to a property by name and states

    def as_dict(self) -> dict:
        return {**super().as_dict(), "matched_by_name": self.matched_by_name}


def _column(name) -> str:
    """A header cell as the importer names it: "States Name EN" → states_name_en, "c1" → C1."""
    text = re.sub(r"[\s\-]+", "_", str(name if name is not None else "").strip())
    return text.upper() if text.upper() in FLAG_NAMES else text.lower()


def _cell(name: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float) and value.is_integer() and name not in ("longitude", "latitude", "area_hectares"):
        return str(int(value))
    return str(value).strip() if isinstance(value, str) else str(value)


def _rows_of(header: list, records) -> list[dict]:
    """Dicts keyed by the importer's column names, with the spreadsheet row number under "__row__";
    rows whose cells are all empty are skipped."""
    names = [_column(h) for h in header]
    rows = []
    for number, values in enumerate(records, 2):
        row = {name: _cell(name, value) for name, value in zip(names, values, strict=False) if name}
        if any(row.values()):
            row["__row__"] = number
            rows.append(row)
    return rows


def file_format(path: Path) -> str:
    with path.open("rb") as fh:
        magic = fh.read(8)
    if magic.startswith(b"PK\x03\x04"):
        return "xlsx"
    if magic.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    return "csv"


def read_rows(path: str | Path) -> list[dict]:
    """The file's rows (see _rows_of); raises ValueError with a readable message when it cannot be read."""
    path = Path(path)
    fmt = file_format(path)
    if fmt == "xlsx":
        return _read_xlsx(path)
    if fmt == "xls":
        return _read_xls(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            records = csv.reader(fh)
            header = next(records, [])
            return _rows_of(header, records)
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path.name} is neither an XLSX or XLS workbook nor a UTF-8 CSV file "
                         f"(byte 0x{exc.object[exc.start]:02X} at position {exc.start})") from None
    except csv.Error as exc:
        raise ValueError(f"{path.name}: cannot be read as CSV: {exc}") from None


def _read_xlsx(path: Path) -> list[dict]:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    # Opened from a file object: openpyxl would refuse a workbook by its name (whc-sites.xls, .csv).
    with path.open("rb") as fh:
        try:
            workbook = load_workbook(fh, read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
            raise ValueError(f"{path.name}: not a readable XLSX workbook ({exc})") from None
        try:
            records = workbook.worksheets[0].iter_rows(values_only=True)
            header = next(records, ())
            return _rows_of(list(header), records)
        finally:
            workbook.close()


def _read_xls(path: Path) -> list[dict]:
    import xlrd

    try:
        sheet = xlrd.open_workbook(str(path)).sheet_by_index(0)
    except xlrd.XLRDError as exc:
        raise ValueError(f"{path.name}: not a readable XLS workbook ({exc})") from None
    return _rows_of(sheet.row_values(0), (sheet.row_values(i) for i in range(1, sheet.nrows)))


def _clean_row(row: dict, criteria: dict, report: ImportReport, *, has_id: bool = True) -> dict | None:
    """The fields of one row ready to compare and write, or None (a failed row of the report) if it cannot be used.
    Without an id_no column (has_id=False) the row's "id_no" is None until it is matched by name."""
    id_no = (row.get("id_no") or "").strip()
    found: dict[str, list[str]] = {}

    def problem(field_name, message):
        found.setdefault(field_name, []).append(message)

    if has_id and not id_no.isdigit():
        problem("id_no", f"not a number: {id_no!r}")
    name_en, name_fr = html_to_text(row.get("name_en", "")), html_to_text(row.get("name_fr", ""))
    if not name_en and not name_fr:
        problem("name_en", "no name in English or French")
    category = CATEGORIES.get((row.get("category") or "").strip())
    if category is None:
        problem("category", f"unknown category {row.get('category')!r}")
    try:
        lon, lat = float(row["longitude"]), float(row["latitude"])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValueError
    except (TypeError, ValueError):
        problem("longitude/latitude", f"not a position: {row.get('longitude')!r}, {row.get('latitude')!r}")
        lon = lat = None
    area = (row.get("area_hectares") or "").strip()
    try:
        area = Decimal(area).quantize(Decimal("0.0001")) if area else None
        if area is not None and area < 0:
            raise InvalidOperation
    except InvalidOperation:
        problem("area_hectares", f"not an area: {row.get('area_hectares')!r}")
        area = None
    year = (row.get("date_inscribed") or "").strip()
    if parse_int(year, min_value=1978, max_value=2100) is None:
        problem("date_inscribed", f"not a year: {year!r}")
    codes = [c.strip().upper() for c in (row.get("iso_code") or "").split(",") if c.strip()]
    bad = [c for c in codes if not is_country(c)]
    if bad:
        problem("iso_code", f"not ISO 3166-1 codes: {', '.join(bad)}")
    chosen = []
    if FLAG_NAMES <= row.keys():
        for flag, code in CRITERIA_FLAGS:
            value = str(row.get(flag, "")).strip()
            if value not in ("0", "1"):
                problem(flag, f"expected 0 or 1, got {value!r}")
            elif value == "1":
                chosen.append(criteria[code])
        if not chosen:
            problem("criteria", "no criterion flag set")
    else:
        text = row.get("criteria_txt") or ""
        codes_given = [f"({numeral})" for numeral in CRITERIA_TEXT.findall(text.lower())]
        unknown = [code for code in codes_given if code not in criteria]
        if unknown or not codes_given or CRITERIA_TEXT.sub("", text.lower()).strip():
            problem("criteria_txt", f"expected criteria such as (ii)(iv), got {text!r}")
        else:
            chosen = [criteria[code] for _flag, code in CRITERIA_FLAGS if code in codes_given]
    try:
        danger = parse_danger_history(row.get("danger_list", ""))
    except ValueError as exc:
        problem("danger_list", str(exc))
        danger = []
    if found:
        report.fail(row.get("__row__", 0), found, key=(id_no or "?") if has_id else "")
        return None
    secondary = (row.get("secondary_dates") or "").strip()
    description = {"lang": "en", "text": html_to_text(row.get("short_description_en", "")),
                   "tr": {"fr": {"text": html_to_text(row.get("short_description_fr", "")), "machine": False}}}
    justification = {"lang": "en", "text": html_to_text(row.get("justification_en", "")),
                     "tr": {"fr": {"text": html_to_text(row.get("justification_fr", "")), "machine": False}}}
    for value in (description, justification):
        if not value["tr"]["fr"]["text"]:
            value["tr"] = {}
        if not value["text"] and not value["tr"]:
            value.clear()
    region = (row.get("region_en") or "").strip()
    fields = {
        "name_en": name_en, "name_fr": name_fr, "category": category, "lon": lon, "lat": lat, "area_ha": area,
        "description": description, "outstanding_value": justification, "region": region,
        "states_text": (row.get("states_name_en") or "").strip()[:500], "transboundary": len(codes) > 1,
        "attribution": UNESCO_ATTRIBUTION,
    }
    if "name_ar" in row:  # the 2024 export; older files leave a stored Arabic name as it is
        fields["name_ar"] = html_to_text(row["name_ar"])[:300]
    return {
        "id_no": id_no if has_id else None,
        "row": row.get("__row__", 0),
        "fields": fields,
        "states": codes,
        "year": parse_int(year),
        "extension_years": secondary,
        "criteria": chosen,
        "danger": danger,
    }


def _apply(place: HeritagePlace, fields: dict) -> list[str]:
    changed = []
    for name, value in fields.items():
        if getattr(place, name) != value:
            setattr(place, name, value)
            changed.append(name)
    return changed


def _write(data: dict, agency, hlist) -> str:
    """Create or update one property; returns 'created', 'updated' or 'unchanged'."""
    place = HeritagePlace.objects.filter(source=SOURCE, external_id=data["id_no"]).first()
    created = place is None
    if created:
        place = HeritagePlace(source=SOURCE, external_id=data["id_no"], owning_agency=agency, sharing=Sharing.PUBLIC)
    changed = _apply(place, data["fields"])
    box = geo.bbox_of(place.lon, place.lat, geo.parse_polygon(place.boundary), geo.parse_polygon(place.buffer_zone))
    changed += _apply(place, dict(zip(("min_lon", "min_lat", "max_lon", "max_lat"), box, strict=True)))
    if created or changed:
        place.save()
    if set_states(place, data["states"]):
        changed.append("states")
    inscription = Inscription.objects.filter(place=place, heritage_list=hlist).first()
    wanted = {"status": InscriptionStatus.FINAL, "year": data["year"], "extension_years": data["extension_years"]}
    if inscription is None:
        inscription = Inscription.objects.create(place=place, heritage_list=hlist, **wanted)
        changed.append("inscription")
    elif _apply(inscription, wanted):
        inscription.save()
        changed.append("inscription")
    wanted_criteria = {c.pk for c in data["criteria"]}
    if set(inscription.criteria.values_list("pk", flat=True)) != wanted_criteria:
        inscription.criteria.set(wanted_criteria)
        changed.append("criteria")
    existing = {(d.year_in, d.year_out) for d in place.danger_listings.filter(heritage_list=hlist)}
    if existing != set(data["danger"]):
        place.danger_listings.filter(heritage_list=hlist).delete()
        DangerListing.objects.bulk_create([DangerListing(place=place, heritage_list=hlist, year_in=y_in,
                                                         year_out=y_out) for y_in, y_out in data["danger"]])
        changed.append("danger_list")
    if created:
        return "created"
    if changed:
        audit.record("heritage.unesco.update", place, after={"changed": sorted(set(changed))})
        return "updated"
    return "unchanged"


def _name_key(name: str) -> str:
    return search_text(name)


def _match_by_name(cleaned: list[dict], report: ImportReport) -> list[dict]:
    """Give rows without id_no the id_no of the one imported property with their name and states."""
    index: dict[tuple, set[str]] = {}
    places = HeritagePlace.objects.filter(source=SOURCE).prefetch_related("states")
    for place in places:
        states = frozenset(place.state_codes) or _name_key(place.states_text)
        for name in {place.name_en, place.name_fr} - {""}:
            index.setdefault((_name_key(name), states), set()).add(place.external_id)
    matched = []
    for data in cleaned:
        fields = data["fields"]
        states = frozenset(data["states"]) or _name_key(fields["states_text"])
        found = set()
        for name in (fields["name_en"], fields["name_fr"]):
            if name and not found:
                found = index.get((_name_key(name), states), set())
        label = fields["name_en"] or fields["name_fr"]
        where = ", ".join(data["states"]) or fields["states_text"] or "no state"
        if len(found) == 1:
            data["id_no"] = next(iter(found))
            matched.append(data)
        elif not found:
            report.fail(data["row"], {"id_no": [(
                f"this file has no id_no, and no imported property is named {label!r} in {where}: a property "
                "cannot be created without its UNESCO id_no (import an export that has id_no, such as the "
                "2019 or 2024 list, first)")]})
        else:
            report.fail(data["row"], {"id_no": [(
                f"this file has no id_no, and {len(found)} imported properties are named {label!r} in {where} "
                f"(id_no {', '.join(sorted(found, key=int))}): the row cannot be matched")]})
    return matched


def import_unesco(path, *, agency, partial: bool = False, progress=None) -> UnescoImportReport:
    """Import the file into the configured list "UNESCO World Heritage List"."""
    hlist = HeritageList.objects.select_related("criteria_set").get(key=UNESCO_LIST)
    criteria = {c.code: c for c in hlist.criteria_set.criteria.all()}
    path = Path(path)
    rows = read_rows(path)
    report = UnescoImportReport(source=path.name, format=file_format(path), partial=partial, rows=len(rows))
    columns = set().union(*(row.keys() for row in rows)) if rows else set()
    missing_columns = REQUIRED_COLUMNS - columns
    if not FLAG_NAMES <= columns and "criteria_txt" not in columns:
        missing_columns.add("C1 … N10 or criteria_txt")
    if missing_columns:
        report.file_errors.append(f"missing columns: {', '.join(sorted(missing_columns))}")
        return report
    has_id = "id_no" in columns
    cleaned = [data for data in (_clean_row(row, criteria, report, has_id=has_id) for row in rows)
               if data is not None]
    if not has_id:
        cleaned = _match_by_name(cleaned, report)
        report.matched_by_name = len(cleaned)
    unique, seen = [], set()
    for data in cleaned:
        if data["id_no"] in seen:
            report.fail(data["row"], {"id_no": ["appears twice in the file"]}, key=data["id_no"])
            continue
        seen.add(data["id_no"])
        unique.append(data)
    if report.failed and not partial:
        return report
    # Entries appended at the end: the audit log's lock is not held while the list is written.
    with transaction.atomic(), audit.appended_at_end():
        for data in unique:
            outcome = _write(data, agency, hlist)
            setattr(report, outcome, getattr(report, outcome) + 1)
            if progress:
                progress(1)
        audit.record("heritage.unesco.import", object_type="heritage.heritagelist", object_id=hlist.pk,
                     object_repr=str(hlist), after={"file": path.name, "format": report.format,
                                                    "created": report.created, "updated": report.updated,
                                                    "unchanged": report.unchanged,
                                                    "matched_by_name": report.matched_by_name,
                                                    "problems": report.failed})
    report.committed = True
    return report
