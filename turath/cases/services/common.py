"""What every part of case work shares: dates of a story (parse_day, not_before), the client's text,
sharing levels, optimistic locking, snapshots for the audit log, records named by the client."""

import json
from datetime import date, datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from turath.core.errors import EditConflict, NotPermitted, RecordInvalid
from turath.core.models import Role
from turath.core.parsing import LONG_TEXT, is_id, parse_id, text_problem
from turath.core.permissions import Sharing, agency_of
from turath.register.models import CulturalObject

WIDER_SHARING = (Sharing.NETWORK, Sharing.MEMBERS, Sharing.PUBLIC)


def _today() -> date:
    return timezone.localdate()


def parse_day(value, field_name: str, errors: dict, *, required: bool = False) -> date | None:
    """A calendar date from a form, JSON or Python value; never in the future."""
    if value in (None, ""):
        if required:
            errors.setdefault(field_name, []).append(_("Required."))
        return None
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value).strip()[:10])
        except ValueError:
            errors.setdefault(field_name, []).append(_("Use the form YYYY-MM-DD."))
            return None
    if value > _today():
        errors.setdefault(field_name, []).append(_("The date is in the future."))
    return value


def not_before(value, floor, field_name: str, errors: dict, what: str):
    """Refuse a date before an earlier event of the same story (e.g. a seizure before the theft)."""
    if value is None or floor is None:
        return
    v = value.date() if isinstance(value, datetime) else value
    f = floor.date() if isinstance(floor, datetime) else floor
    if v < f:
        errors.setdefault(field_name, []).append(
            _("The date is before %(what)s (%(date)s).") % {"what": what, "date": f.isoformat()})


def _text(data: dict, key: str, limit: int = LONG_TEXT) -> str:
    """A text field of the client's data: refused (not cut or coerced) when it is not text, holds NUL or
    is longer than `limit`."""
    problem = text_problem(data.get(key), max_length=limit)
    if problem:
        raise RecordInvalid({key: [problem]})
    return str(data.get(key) or "").strip()


def _sharing(value, errors, field_name="publish_sharing"):
    value = value or Sharing.NETWORK
    if value not in WIDER_SHARING:
        errors.setdefault(field_name, []).append(_("Share with the network, all members or the public."))
    return value


def _parse_geometry(value, errors):
    """A GeoJSON point or area (Point, Polygon, MultiPolygon), coordinates as longitude, latitude."""
    if value in (None, "", {}):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            errors.setdefault("geometry", []).append(_("Not valid GeoJSON."))
            return None
    if not isinstance(value, dict) or value.get("type") not in ("Point", "Polygon", "MultiPolygon"):
        errors.setdefault("geometry", []).append(_("Give a GeoJSON Point, Polygon or MultiPolygon."))
        return None

    def positions(coords, depth):
        if depth == 0:
            yield coords
        else:
            for c in coords if isinstance(coords, list) else []:
                yield from positions(c, depth - 1)

    depth = {"Point": 0, "Polygon": 2, "MultiPolygon": 3}[value["type"]]
    points = list(positions(value.get("coordinates"), depth))
    ok = bool(points) and all(
        isinstance(p, list) and len(p) >= 2 and all(isinstance(x, (int, float)) for x in p[:2])
        and -180 <= p[0] <= 180 and -90 <= p[1] <= 90 for p in points)
    if not ok:
        errors.setdefault("geometry", []).append(_("Coordinates must be [longitude, latitude] within range."))
        return None
    return {"type": value["type"], "coordinates": value["coordinates"]}


def _check_version(locked, expected_version):
    if expected_version not in (None, "") and locked.version != int(expected_version):
        raise EditConflict(
            _("This case was changed by someone else while you were editing it (your version %(mine)s, now "
              "%(now)s). Nothing was saved: reload it, then apply your changes again.")
            % {"mine": expected_version, "now": locked.version})


def _agency_user(user, role=Role.CONTRIBUTOR):
    agency = agency_of(user)
    if agency is None or not user.has_role(role):
        raise NotPermitted(_("Your role may not do this."))
    return agency


def _snapshot(case) -> dict:
    skip = {"search_text"}
    return {f.attname: getattr(case, f.attname) for f in case._meta.concrete_fields if f.attname not in skip}


def _objects_for(user, refs) -> list[CulturalObject]:
    """Existing records by object, id, record number or UID, each visible to the user."""
    out, missing = [], []
    visible = CulturalObject.objects.restrict(user, "view")
    for ref in refs or ():
        if isinstance(ref, CulturalObject):
            obj = visible.filter(pk=ref.pk).first()
        else:
            ref = str(ref).strip()
            q = Q(record_number=ref)
            if is_id(ref):
                q |= Q(pk=parse_id(ref))
            elif len(ref) == 36:
                q |= Q(uid=ref)
            obj = visible.filter(q).first()
        if obj is None:
            missing.append(str(ref))
        elif obj not in out:
            out.append(obj)
    if missing:
        raise RecordInvalid({"objects": [_("Unknown record: %(r)s.") % {"r": ", ".join(missing)}]})
    return out



_SHARING_RANK = {Sharing.AGENCY: 0, Sharing.NETWORK: 1, Sharing.MEMBERS: 2, Sharing.PUBLIC: 3}


def _wider(a, b) -> bool:
    return _SHARING_RANK.get(a, 0) > _SHARING_RANK.get(b, 0)
