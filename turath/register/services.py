"""Domain logic of the register. The API, the web UI, imports and the command line all call these.

`validate_record` turns an Object ID record (a plain dict, as it arrives from a form, a CSV row,
JSON or the API) into clean values or a dict of errors keyed by field; `create_object`,
`update_object`, `change_status` and `add_image` write, audit and re-index in one transaction.
"""

import functools
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from turath.core import audit, multilingual
from turath.core.audit_names import canonical
from turath.core.countries import is_country
from turath.core.errors import EditConflict, NotPermitted, RecordInvalid, TransitionNotAllowed
from turath.core.models import Role
from turath.core.parsing import LONG_TEXT, is_id, parse_id, text_problem
from turath.core.permissions import Sharing, can_add
from turath.vocabulary import services as vocab
from turath.vocabulary.models import Concept

from .dates import DateError, parse_date
from .models import (
    INITIAL_STATUSES,
    STATUS_TRANSITIONS,
    CulturalObject,
    Inscription,
    Measurement,
    ObjectStatus,
    StatusChange,
)
from .search import build_search_text

TEXT_FIELDS = ("title", "subject", "description", "distinguishing_features")
PLAIN_FIELDS = ("maker", "related_written_material", "place_of_origin", "place_of_discovery", "current_holder")
LIST_FIELDS = ("inventory_numbers", "cross_references")
CONCEPT_FIELDS = {"object_type": vocab.OBJECT_TYPES, "period": vocab.PERIODS}
CONCEPT_LIST_FIELDS = {"materials": vocab.MATERIALS, "techniques": vocab.TECHNIQUES}
MAX_TEXT = LONG_TEXT
RECORD_NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")


@dataclass
class Cleaned:
    values: dict
    materials: list | None
    techniques: list | None
    measurements: list | None
    inscriptions: list | None


_SEPARATORS = re.compile(r"[;|\n]")
_LANG_CODE_RE = re.compile(r"^[a-z]{2,3}$")


def _split(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        # Concepts already resolved (the importer's cache) and serialized concepts ({"uri": …})
        # pass through to _concept as they are.
        return [v if isinstance(v, (Concept, dict)) else str(v).strip() for v in value
                if isinstance(v, (Concept, dict)) or str(v).strip()]
    return [p.strip() for p in _SEPARATORS.split(str(value)) if p.strip()]


def _concept(value, scheme_key, field, errors, suggestions):
    if isinstance(value, Concept):  # first: `in (None, "")` would call Model.__eq__ twice
        return value
    if value in (None, ""):
        return None
    if isinstance(value, dict):
        value = value.get("uri") or value.get("id") or ""
    if is_id(value):
        found = Concept.objects.filter(pk=parse_id(value), scheme__key=scheme_key).first()
    else:
        found = vocab.resolve_concept(str(value), scheme_key)
    if found is None:
        hints = vocab.suggest(str(value), scheme_key)
        suggestions.setdefault(field, {})[str(value)] = hints
        msg = _("Unknown term «%(term)s» in the vocabulary.") % {"term": value}
        if hints:
            msg += " " + _("Did you mean: %(hints)s?") % {"hints": ", ".join(hints)}
        errors.setdefault(field, []).append(msg)
    return found


def _text(value, lang, field, errors):
    """A multilingual text from a plain string (in `lang`) or the stored JSON shape."""
    if value in (None, "", {}):
        return {}
    if isinstance(value, str):
        value = multilingual.make(value.strip(), lang)
    elif isinstance(value, dict) and "text" in value:
        translations = value.get("tr") or value.get("translations") or {}
        if (not isinstance(value.get("text") or "", str) or not isinstance(value.get("lang") or "", str)
                or not isinstance(translations, dict)
                or not all(isinstance(t, str) or (isinstance(t, dict) and isinstance(t.get("text") or "", str))
                           for t in translations.values())):
            errors.setdefault(field, []).append(_("Expected text."))
            return {}
        value = multilingual.make(str(value.get("text") or "").strip(), value.get("lang") or lang, translations)
    else:
        errors.setdefault(field, []).append(_("Expected text."))
        return {}
    for code, text in multilingual.texts(value):
        problem = text_problem(text, max_length=MAX_TEXT)
        if problem:
            errors.setdefault(field, []).append(problem)
        if code and code not in multilingual.LANGS and not _LANG_CODE_RE.match(code):
            errors.setdefault(field, []).append(_("Unknown language code «%(c)s».") % {"c": code})
    return value


# «height=12.5 cm», «hauteur=12,5 cm», «الارتفاع=12.5 سم»: the unit in any script (aliases below).
MEASURE_RE = re.compile(r"^\s*([^\s=:]+)\s*[=:]\s*([0-9]+(?:[.,][0-9]+)?)\s*([^\W\d_]+\.?)\s*$")
_DIM_ALIASES = {
    "h": "height", "hauteur": "height", "ارتفاع": "height", "الارتفاع": "height",
    "w": "width", "largeur": "width", "عرض": "width", "العرض": "width",
    "d": "depth", "profondeur": "depth", "عمق": "depth", "l": "length", "longueur": "length", "طول": "length",
    "diam": "diameter", "diamètre": "diameter", "قطر": "diameter", "épaisseur": "thickness", "سمك": "thickness",
    "poids": "weight", "وزن": "weight", "الوزن": "weight",
}
_UNIT_ALIASES = {"سم": "cm", "مم": "mm", "م": "m", "كغ": "kg", "كجم": "kg", "كلغ": "kg", "غ": "g", "جم": "g",
                 "غرام": "g", "غ.": "g"}


# Choice values computed once: the enum properties rebuild their lists on every call (bulk imports validate a lot).
_DIMENSIONS, _UNITS = frozenset(Measurement.Dimension.values), frozenset(Measurement.Unit.values)
_INSCRIPTION_KINDS, _SHARING_LEVELS = frozenset(Inscription.Kind.values), frozenset(Sharing.values)
_PLAIN_LIMITS = {f: CulturalObject._meta.get_field(f).max_length or MAX_TEXT for f in PLAIN_FIELDS}


# Bulk imports validate hundreds of thousands of rows whose measurements, dates and countries repeat:
# what a written value means does not depend on the row or on the language of the messages, so it is
# worked out once and remembered (bounded memos, cleared when full). The messages are still written
# for each row, in the active language.
_MEMO_MAX = 50_000


def _remember(memo: dict, key, value):
    if len(memo) >= _MEMO_MAX:
        memo.clear()
    memo[key] = value
    return value


def _measurement(item) -> tuple:
    """("ok", dimension, value, unit) or the reason a measurement (text or dict) is refused:
    ("form",), ("value",), ("dimension", dim) or ("unit", unit, dim)."""
    if isinstance(item, str):
        m = MEASURE_RE.match(item)
        if not m:
            return ("form",)
        item = {"dimension": m.group(1), "value": m.group(2).replace(",", "."), "unit": m.group(3)}
    dim = str(item.get("dimension", "")).strip().lower()
    dim = _DIM_ALIASES.get(dim, dim)
    unit = str(item.get("unit", "")).strip().lower()
    unit = _UNIT_ALIASES.get(unit, unit)
    try:
        number = Decimal(str(item.get("value")).replace(",", "."))
        if number <= 0 or number.is_nan() or number > Decimal("1e8"):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        return ("value",)
    if dim not in _DIMENSIONS:
        return ("dimension", dim)
    if unit not in _UNITS or (dim == "weight") != (unit in ("g", "kg")):
        return ("unit", unit, dim)
    return ("ok", dim, number, unit)


_MEASUREMENTS: dict[str, tuple] = {}


def _measurements(value, errors):
    items = value if isinstance(value, list) else _split(value)
    out = []
    for i, item in enumerate(items, 1):
        if isinstance(item, str):
            said = _MEASUREMENTS.get(item) or _remember(_MEASUREMENTS, item, _measurement(item))
            note = ""
        elif not isinstance(item, dict):
            said, note = ("form",), ""
        else:
            said = _measurement(item)
            note = str(item.get("note", ""))[:200] if said[0] == "ok" else ""
        kind = said[0]
        if kind == "ok":
            out.append({"dimension": said[1], "value": said[2], "unit": said[3], "note": note})
        elif kind == "form":
            errors.setdefault("measurements", []).append(
                _("Measurement %(i)d «%(v)s»: write dimension=value unit, e.g. height=12.5 cm.") % {"i": i, "v": item})
        elif kind == "value":
            errors.setdefault("measurements", []).append(_("Measurement %(i)d: the value must be a positive number.") % {"i": i})
        elif kind == "dimension":
            errors.setdefault("measurements", []).append(
                _("Measurement %(i)d: unknown dimension «%(d)s».") % {"i": i, "d": said[1]})
        else:
            errors.setdefault("measurements", []).append(
                _("Measurement %(i)d: unit «%(u)s» does not fit %(d)s.") % {"i": i, "u": said[1], "d": said[2]})
    return out


_DATES: dict[str, tuple] = {}


def _parse_date(text: str):
    """dates.parse_date, remembered per text as written (its result and its error do not depend on the day
    or the language: the future check is made by the caller, and an error is translated when shown)."""
    said = _DATES.get(text)
    if said is None:
        try:
            said = ("ok", parse_date(text))
        except DateError as exc:
            said = ("error", (exc.message, exc.params))
        _remember(_DATES, text, said)
    if said[0] == "error":
        raise DateError(*said[1])
    return said[1]


_COUNTRIES: dict[str, bool] = {}


def _is_country(code: str) -> bool:
    known = _COUNTRIES.get(code)
    return known if known is not None else _remember(_COUNTRIES, code, is_country(code))


@functools.lru_cache(maxsize=1)
def inscription_kind_names() -> dict[str, str]:
    """A kind of inscription as people write it in any working language («cachet», «ختم», «seal») → its code."""
    names = {}
    for lang in multilingual.LANGS:
        with translation.override(lang):
            for value, label in Inscription.Kind.choices:
                names[str(label).casefold()] = value
                names[value] = value
    return names


def _inscriptions(value, lang, errors):
    items = value if isinstance(value, list) else _split(value)
    out = []
    for item in items:
        if isinstance(item, str):
            item = {"text": item}
        if not isinstance(item, dict):
            errors.setdefault("inscriptions", []).append(_("Each inscription is a text or an object."))
            continue
        kind = item.get("kind") or Inscription.Kind.INSCRIPTION
        kind = inscription_kind_names().get(str(kind).strip().casefold(), kind)
        if kind not in _INSCRIPTION_KINDS:
            errors.setdefault("inscriptions", []).append(_("Unknown kind of inscription «%(k)s».") % {"k": kind})
            continue
        text = _text(item.get("text"), item.get("lang") or lang, "inscriptions", errors)
        if text:
            out.append({"kind": kind, "text": text, "script": str(item.get("script", ""))[:60],
                        "position": str(item.get("position", ""))[:200]})
    return out


def validate_record(data: dict, *, user, instance: CulturalObject | None = None,
                    suggestions: dict | None = None) -> Cleaned:
    """Check one Object ID record. Raises RecordInvalid naming each bad field; `suggestions`
    (if given) collects vocabulary suggestions for unknown terms."""
    errors: dict[str, list[str]] = {}
    suggestions = suggestions if suggestions is not None else {}
    partial = instance is not None
    lang = str(data.get("language") or data.get("lang") or getattr(user, "preferred_language", "") or "en")[:12]
    values: dict = {}

    if not partial or "record_number" in data:
        number = str(data.get("record_number") or "").strip()
        if not number:
            errors.setdefault("record_number", []).append(_("Required."))
        elif not RECORD_NUMBER_RE.match(number):
            errors.setdefault("record_number", []).append(
                _("Use letters, digits and . _ / - only (at most 64 characters)."))
        else:
            values["record_number"] = number

    for field, scheme in CONCEPT_FIELDS.items():
        if not partial or field in data:
            values[field] = _concept(data.get(field), scheme, field, errors, suggestions)
    # Also on edits: an object_type sent empty would otherwise reach the NOT NULL column.
    if "object_type" in values and values["object_type"] is None and "object_type" not in errors:
        errors["object_type"] = [_("Required: the type of object (Object ID).")]

    lists = {}
    for field, scheme in CONCEPT_LIST_FIELDS.items():
        if not partial or field in data:
            lists[field] = [c for c in (_concept(v, scheme, field, errors, suggestions) for v in _split(data.get(field)))
                            if c is not None]
    for field in TEXT_FIELDS:
        if not partial or field in data:
            values[field] = _text(data.get(field), lang, field, errors)
    if (not partial or "title" in data or "description" in data):
        title = values.get("title", instance.title if instance else {})
        desc = values.get("description", instance.description if instance else {})
        if multilingual.is_empty(title) and multilingual.is_empty(desc):
            errors.setdefault("title", []).append(_("Required: a title or a description (Object ID)."))
    for field in PLAIN_FIELDS:
        if not partial or field in data:
            limit = _PLAIN_LIMITS[field]
            problem = text_problem(data.get(field), max_length=limit)
            if problem:
                errors.setdefault(field, []).append(problem)
            values[field] = "" if problem else str(data.get(field) or "").strip()
    for field in LIST_FIELDS:
        if not partial or field in data:
            values[field] = _split(data.get(field))[:50]

    if not partial or "date" in data:
        try:
            parsed = _parse_date(str(data.get("date") or ""))
        except DateError as exc:
            errors.setdefault("date", []).append(str(exc))
            parsed = None
        values.update(
            date_text=parsed.text[:120] if parsed else "",
            date_calendar=parsed.calendar if parsed else "",
            date_earliest=parsed.earliest if parsed else None,
            date_latest=parsed.latest if parsed else None,
            hijri_earliest=parsed.hijri_earliest if parsed else None,
            hijri_latest=parsed.hijri_latest if parsed else None,
        )
        if parsed and parsed.earliest is not None and parsed.earliest > date.today().year:
            errors.setdefault("date", []).append(_("The date is in the future."))

    if not partial or "date_documented" in data:
        raw = str(data.get("date_documented") or "").strip()
        values["date_documented"] = None
        if raw:
            try:
                documented = date.fromisoformat(raw)
                if documented > date.today():
                    errors.setdefault("date_documented", []).append(_("The date is in the future."))
                values["date_documented"] = documented
            except ValueError:
                errors.setdefault("date_documented", []).append(_("Use the form YYYY-MM-DD."))

    if not partial or "origin_country" in data:
        country = str(data.get("origin_country") or "").strip().upper()
        if country and not _is_country(country):
            errors.setdefault("origin_country", []).append(_("«%(c)s» is not an ISO 3166 country code.") % {"c": country})
        values["origin_country"] = country

    if "sharing" in data or not partial:
        sharing = data.get("sharing") or Sharing.AGENCY
        if not isinstance(sharing, str) or sharing not in _SHARING_LEVELS:
            errors.setdefault("sharing", []).append(_("Unknown sharing level «%(s)s».") % {"s": sharing})
        values["sharing"] = sharing

    if not partial:
        status = data.get("status") or ObjectStatus.REGISTERED
        if not isinstance(status, str) or status not in INITIAL_STATUSES:
            errors.setdefault("status", []).append(
                _("A new record starts as one of: %(s)s.") % {"s": ", ".join(INITIAL_STATUSES)})
        values["status"] = status
    elif data.get("status") and data["status"] != instance.status:
        errors.setdefault("status", []).append(_("Change the status through a status change, not an edit."))

    measurements = _measurements(data.get("measurements"), errors) if (not partial or "measurements" in data) else None
    inscriptions = _inscriptions(data.get("inscriptions"), lang, errors) if (not partial or "inscriptions" in data) else None

    if errors:
        raise RecordInvalid(errors)
    return Cleaned(values, lists.get("materials"), lists.get("techniques"), measurements, inscriptions)


def serialize(obj: CulturalObject) -> dict:
    """The record as plain JSON (audit snapshots, JSON export, API detail)."""
    def concept(c):
        return None if c is None else {"uri": c.uri, "ar": c.pref_ar, "en": c.pref_en, "fr": c.pref_fr}
    return {
        "record_number": obj.record_number,
        "uid": str(obj.uid),
        "owning_agency": obj.owning_agency.code,
        "sharing": obj.sharing,
        "status": obj.status,
        "object_type": concept(obj.object_type),
        "materials": [concept(c) for c in obj.materials.all()],
        "techniques": [concept(c) for c in obj.techniques.all()],
        "measurements": [{"dimension": m.dimension, "value": f"{m.value.normalize():f}", "unit": m.unit,
                          "note": m.note} for m in obj.measurements.all()],
        "inscriptions": [{"kind": i.kind, "text": i.text, "script": i.script, "position": i.position}
                         for i in obj.inscriptions.all()],
        **{f: getattr(obj, f) for f in TEXT_FIELDS},
        "date": obj.date_text,
        "date_calendar": obj.date_calendar,
        "date_earliest": obj.date_earliest,
        "date_latest": obj.date_latest,
        "hijri_earliest": obj.hijri_earliest,
        "hijri_latest": obj.hijri_latest,
        "period": concept(obj.period),
        **{f: getattr(obj, f) for f in PLAIN_FIELDS + LIST_FIELDS},
        "date_documented": obj.date_documented.isoformat() if obj.date_documented else None,
        "origin_country": obj.origin_country,
        "images": [{"sha256": im.sha256, "width": im.width, "height": im.height, "mime": im.mime,
                    "caption": im.caption} for im in obj.images.all()],
        "version": obj.version,
    }


def _write_children(obj, cleaned: Cleaned):
    if cleaned.materials is not None:
        obj.materials.set(cleaned.materials)
    if cleaned.techniques is not None:
        obj.techniques.set(cleaned.techniques)
    if cleaned.measurements is not None:
        obj.measurements.all().delete()
        Measurement.objects.bulk_create([Measurement(object=obj, **m) for m in cleaned.measurements])
    if cleaned.inscriptions is not None:
        obj.inscriptions.all().delete()
        Inscription.objects.bulk_create([Inscription(object=obj, **i) for i in cleaned.inscriptions])


def _reindex(obj):
    obj.search_text = build_search_text(obj)
    CulturalObject.objects.filter(pk=obj.pk).update(search_text=obj.search_text)


def create_object(user, data: dict, *, agency=None) -> CulturalObject:
    if not can_add(user):
        raise NotPermitted(_("Your role may not add records."))
    agency = agency or user.agency
    if agency.pk != user.agency_id and not user.is_superuser:
        raise NotPermitted(_("Records are created for your own agency."))
    cleaned = validate_record(data, user=user)
    with transaction.atomic():
        if CulturalObject.objects.filter(record_number=cleaned.values["record_number"]).exists():
            raise RecordInvalid({"record_number": [_("A record with this number already exists.")]})
        obj = CulturalObject.objects.create(owning_agency=agency, created_by=user, **cleaned.values)
        _write_children(obj, cleaned)
        StatusChange.objects.create(object=obj, from_status="", to_status=obj.status, by=user,
                                    agency_code=agency.code, note=_("Record created"))
        _reindex(obj)
        audit.record("register.object.create", obj, after=serialize(obj))
    return obj


def update_object(user, obj: CulturalObject, data: dict, *, expected_version: int | None = None) -> CulturalObject:
    if not CulturalObject.objects.restrict(user, "change").filter(pk=obj.pk).exists():
        raise NotPermitted(_("Only the owning agency's editors change this record."))
    cleaned = validate_record(data, user=user, instance=obj)
    with transaction.atomic():
        locked = CulturalObject.objects.select_for_update().get(pk=obj.pk)
        if expected_version is not None and locked.version != int(expected_version):
            raise EditConflict(_("This record was changed by someone else while you were editing it "
                                 "(your version %(mine)s, now %(now)s). Reload it, then apply your changes again.")
                               % {"mine": expected_version, "now": locked.version})
        before = serialize(locked)
        for k, v in cleaned.values.items():
            setattr(locked, k, v)
        if "record_number" in cleaned.values and CulturalObject.objects.exclude(pk=locked.pk).filter(
                record_number=locked.record_number).exists():
            raise RecordInvalid({"record_number": [_("A record with this number already exists.")]})
        locked.version += 1
        locked.save()
        _write_children(locked, cleaned)
        _reindex(locked)
        after = serialize(locked)
        if before != after:
            audit.record("register.object.update", locked, before=before, after=after)
    return locked


def allowed_transitions(user, obj: CulturalObject) -> list[str]:
    if not CulturalObject.objects.restrict(user, "change").filter(pk=obj.pk).exists():
        return []
    return sorted(STATUS_TRANSITIONS.get(obj.status, ()))


def change_status(user, obj: CulturalObject, to_status: str, note: str = "", *,
                  expected_version: int | None = None) -> CulturalObject:
    if to_status not in ObjectStatus.values:
        raise TransitionNotAllowed(_("Unknown status «%(s)s».") % {"s": to_status}, field="status",
                                   problem_extra={"allowed_transitions": allowed_transitions(user, obj)})
    with transaction.atomic():
        locked = CulturalObject.objects.restrict(user, "change").select_for_update().filter(pk=obj.pk).first()
        if locked is None:
            raise NotPermitted(_("Only the owning agency's editors change this record."))
        if expected_version is not None and locked.version != int(expected_version):
            raise EditConflict(_("This record was changed by someone else; reload it."))
        if to_status not in STATUS_TRANSITIONS.get(locked.status, ()):
            raise TransitionNotAllowed(
                _("A record that is «%(a)s» cannot become «%(b)s».")
                % {"a": locked.get_status_display(), "b": ObjectStatus(to_status).label}, field="status",
                problem_extra={"allowed_transitions": allowed_transitions(user, locked)})
        if to_status == ObjectStatus.PUBLISHED and not user.has_role(Role.EDITOR):
            raise NotPermitted(_("Only an editor validates and publishes a report."))
        before = locked.status
        from django.utils import timezone

        locked.status = to_status
        locked.status_changed = timezone.now()
        locked.version += 1
        if to_status == ObjectStatus.PUBLISHED and locked.sharing == Sharing.AGENCY:
            # Publishing to the network is what validation means: the alert must reach the network.
            locked.sharing = Sharing.NETWORK
        locked.save(update_fields=["status", "status_changed", "version", "sharing", "updated"])
        StatusChange.objects.create(object=locked, from_status=before, to_status=to_status, by=user,
                                    agency_code=user.agency.code if user.agency else "", note=note[:2000])
        audit.record("register.object.change_status", locked, before={"status": before}, after={"status": to_status, "note": note})
    return locked


def _bump(obj):
    """Record that a child (image) changed: bump the version so concurrent editors notice."""
    CulturalObject.objects.filter(pk=obj.pk).update(version=obj.version + 1)
    obj.version += 1


# What the audit log's actions on a record are called on its audit page, by their names in the scheme
# (core.audit_names): entries written under an older name are read through canonical().
AUDIT_ACTIONS = {
    "register.object.create": gettext_lazy("Record created"), "register.object.update": gettext_lazy("Record changed"),
    "register.object.change_status": gettext_lazy("Status changed"),
    "register.object.view": gettext_lazy("Record viewed"),
    "register.object.add_image": gettext_lazy("Photograph added"), "register.object.import": gettext_lazy("Imported"),
}


def _audit_value(key: str, value):
    """A status or sharing level as the reader calls it; other values as stored."""
    if key == "status" and value in ObjectStatus.values:
        return ObjectStatus(value).label
    if key == "sharing" and value in Sharing.values:
        return Sharing(value).label
    return value


def audit_trail(obj: CulturalObject, limit: int = 500) -> list[dict]:
    """The audit entries about one record, newest first, with the fields each one changed."""
    from turath.core.models import AuditEntry

    rows = []
    for e in AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)) \
            .order_by("-seq")[:limit]:
        before, after = e.before or {}, e.after or {}
        changed = [(key, _audit_value(key, before.get(key)), _audit_value(key, after.get(key)))
                   for key in sorted(set(before) | set(after)) if before.get(key) != after.get(key)]
        action = canonical(e.action)
        rows.append({"entry": e, "changed": changed, "label": str(AUDIT_ACTIONS.get(action, action))})
    return rows


def propose_record_number(agency, year: int | None = None) -> str:
    """The next free record number of the agency's own series, «EG-MOA-2026-0042»: its code, the year and a
    sequence. A proposal: the person may keep it or type the number their inventory already uses."""
    from django.utils import timezone

    prefix = f"{agency.code.upper()}-{year or timezone.localdate().year}-"
    taken = CulturalObject.objects.filter(record_number__startswith=prefix).values_list("record_number", flat=True)
    numbers = [parse_id(n[len(prefix):]) or 0 for n in taken]  # core.parsing: «0042» → 42, anything else → 0
    return f"{prefix}{max(numbers, default=0) + 1:04d}"
