"""Comparing a row with the stored record, so that re-importing an unchanged row changes nothing."""

import json
from decimal import Decimal

from .. import services
from .columns import DERIVED_KEYS


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
