"""Import of the UNESCO World Heritage List export (whc-sites-2019.csv / .xls).

Idempotent on id_no: a re-import compares every field and writes only what changed, so running
it twice changes nothing. Problems are collected per row as (id_no, field, message); without
--partial one problem aborts the whole import (nothing is written).
"""

import csv
import html
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from pathlib import Path

from django.db import transaction

from turath.core import audit
from turath.core.countries import is_country
from turath.core.parsing import parse_int
from turath.core.permissions import Sharing

from . import geo
from .configuration import UNESCO_ATTRIBUTION, UNESCO_LIST
from .models import Category, DangerListing, HeritageList, HeritagePlace, Inscription, InscriptionStatus
from .services import set_states

SOURCE = "unesco-whc"
CRITERIA_FLAGS = [("C1", "(i)"), ("C2", "(ii)"), ("C3", "(iii)"), ("C4", "(iv)"), ("C5", "(v)"), ("C6", "(vi)"),
                  ("N7", "(vii)"), ("N8", "(viii)"), ("N9", "(ix)"), ("N10", "(x)")]
CATEGORIES = {"Cultural": Category.CULTURAL, "Natural": Category.NATURAL, "Mixed": Category.MIXED}
DANGER_PERIOD = re.compile(r"([YP])\s+(\d{4})(?:\s*-\s*(\d{4}))?")
REQUIRED_COLUMNS = {"id_no", "name_en", "name_fr", "date_inscribed", "danger_list", "longitude", "latitude",
                    "area_hectares", "category", "iso_code", "states_name_en", "region_en",
                    *(flag for flag, _code in CRITERIA_FLAGS)}


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
class Problem:
    id_no: str
    field: str
    message: str

    def __str__(self):
        return f"id_no {self.id_no}: {self.field}: {self.message}"


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    written: bool = False


def read_rows(path: str | Path) -> list[dict]:
    path = Path(path)
    if path.suffix.lower() == ".xls":
        return _read_xls(path)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _read_xls(path: Path) -> list[dict]:
    try:
        import xlrd
    except ImportError:
        raise ValueError("reading .xls needs the xlrd package (pip install xlrd); use the .csv instead") from None
    sheet = xlrd.open_workbook(str(path)).sheet_by_index(0)
    header = [str(h).strip() for h in sheet.row_values(0)]
    rows = []
    for i in range(1, sheet.nrows):
        row = {}
        for name, cell in zip(header, sheet.row(i), strict=False):
            value = cell.value
            if cell.ctype == xlrd.XL_CELL_NUMBER and float(value).is_integer() and name not in ("longitude",
                                                                                                   "latitude"):
                value = int(value)
            row[name] = "" if value is None else str(value)
        rows.append(row)
    return rows


def _clean_row(row: dict, criteria: dict, problems: list[Problem]) -> dict | None:
    """The fields of one row ready to compare and write, or None (with problems) if it cannot be used."""
    id_no = (row.get("id_no") or "").strip()
    found = []

    def problem(field_name, message):
        found.append(Problem(id_no or "?", field_name, message))

    if not id_no.isdigit():
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
    for flag, code in CRITERIA_FLAGS:
        value = str(row.get(flag, "")).strip()
        if value not in ("0", "1"):
            problem(flag, f"expected 0 or 1, got {value!r}")
        elif value == "1":
            chosen.append(criteria[code])
    if not chosen:
        problem("criteria", "no criterion flag set")
    try:
        danger = parse_danger_history(row.get("danger_list", ""))
    except ValueError as exc:
        problem("danger_list", str(exc))
        danger = []
    if found:
        problems.extend(found)
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
    return {
        "id_no": id_no,
        "fields": {
            "name_en": name_en, "name_fr": name_fr, "category": category, "lon": lon, "lat": lat, "area_ha": area,
            "description": description, "outstanding_value": justification, "region": region,
            "states_text": (row.get("states_name_en") or "").strip()[:500], "transboundary": len(codes) > 1,
            "attribution": UNESCO_ATTRIBUTION,
        },
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


def import_unesco(path, *, agency, partial: bool = False, progress=None) -> ImportReport:
    """Import the file into the configured list "UNESCO World Heritage List"."""
    hlist = HeritageList.objects.select_related("criteria_set").get(key=UNESCO_LIST)
    criteria = {c.code: c for c in hlist.criteria_set.criteria.all()}
    rows = read_rows(path)
    report = ImportReport(rows=len(rows))
    missing_columns = REQUIRED_COLUMNS - set(rows[0] if rows else ())
    if missing_columns:
        report.problems.append(Problem("-", "columns", f"missing: {', '.join(sorted(missing_columns))}"))
        return report
    cleaned, seen = [], set()
    for row in rows:
        data = _clean_row(row, criteria, report.problems)
        if data is None:
            continue
        if data["id_no"] in seen:
            report.problems.append(Problem(data["id_no"], "id_no", "appears twice in the file"))
            continue
        seen.add(data["id_no"])
        cleaned.append(data)
    if report.problems and not partial:
        return report
    # Entries appended at the end: the audit log's lock is not held while the list is written.
    with transaction.atomic(), audit.appended_at_end():
        for data in cleaned:
            outcome = _write(data, agency, hlist)
            setattr(report, outcome, getattr(report, outcome) + 1)
            if progress:
                progress(1)
        audit.record("heritage.unesco.import", object_type="heritage.heritagelist", object_id=hlist.pk,
                     object_repr=str(hlist), after={"file": Path(path).name, "created": report.created,
                                                    "updated": report.updated, "unchanged": report.unchanged,
                                                    "problems": len(report.problems)})
    report.written = True
    return report
