"""Places and intangible elements: their record, member states and how the API and the map show them."""


from django.db import transaction
from django.utils.translation import gettext as _

from turath.core import audit
from turath.core.countries import country_name, is_country
from turath.core.errors import NotPermitted, RecordInvalid
from turath.core.permissions import Sharing, can_add

from .. import geo
from ..models import Category, HeritagePlace, PlaceState

PLACE_TEXT_FIELDS = ("name_ar", "name_en", "name_fr", "local_name", "local_script", "region", "states_text",
                     "attribution", "source", "external_id")


PLACE_JSON_FIELDS = ("description", "outstanding_value", "criteria_justification", "integrity", "authenticity",
                     "protection")


def set_states(place, codes: list[str]):
    """Replace the place's member states (ISO 3166-1 alpha-2) in the given order."""
    codes = [c.strip().upper() for c in codes if c and c.strip()]
    bad = [c for c in codes if not is_country(c)]
    if bad:
        raise RecordInvalid(errors={"states": [_("Not ISO 3166-1 alpha-2 codes: %(c)s") % {"c": ", ".join(bad)}]})
    existing = list(place.states.values_list("country", flat=True)) if place.pk else []
    if existing == codes:
        return False
    place.states.all().delete()
    PlaceState.objects.bulk_create([PlaceState(place=place, country=c, order=i) for i, c in enumerate(codes)])
    return True


def create_place(user, data: dict, *, agency=None) -> HeritagePlace:
    """Create a place or intangible element owned by the user's agency (or `agency` for imports)."""
    if agency is None:
        if not can_add(user):
            raise NotPermitted(_("You may not add heritage places."))
        agency = user.agency
    errors = {}
    place = HeritagePlace(owning_agency=agency, sharing=data.get("sharing", Sharing.PUBLIC))
    for field in PLACE_TEXT_FIELDS:
        setattr(place, field, (data.get(field) or "").strip())
    for field in PLACE_JSON_FIELDS:
        setattr(place, field, data.get(field) or {})
    place.category = data.get("category", "")
    if place.category not in Category.values:
        errors["category"] = [_("Choose one of: %(c)s") % {"c": ", ".join(Category.values)}]
    if not (place.name_ar or place.name_en or place.name_fr):
        errors["name"] = [_("Give a name in at least one of Arabic, English or French.")]
    place.sensitive = bool(data.get("sensitive"))
    place.area_ha = data.get("area_ha")
    place.parent = data.get("parent")
    errors.update(geo.apply_geometry(place, lon=data.get("lon"), lat=data.get("lat"),
                                     boundary=data.get("boundary", ""), buffer_zone=data.get("buffer_zone", "")))
    states = data.get("states") or []
    place.transboundary = len(states) > 1
    if errors:
        raise RecordInvalid(errors=errors)
    with transaction.atomic():
        place.save()
        set_states(place, states)
        audit.record("heritage.place.create", place, after={"states": states, "category": place.category})
    return place


def is_currently_in_danger(place) -> bool:
    return any(d.year_out is None for d in place.danger_listings.all())


def serialize_place(user, place, lang: str = "en") -> dict:
    """The place as the API and GeoJSON show it; the location comes from geo.location_for only."""
    loc = geo.location_for(user, place)
    return {
        "id": place.pk,
        "name": place.name(lang),
        "name_ar": place.name_ar, "name_en": place.name_en, "name_fr": place.name_fr,
        "local_name": place.local_name, "local_script": place.local_script,
        "category": place.category,
        "states": [s.country for s in place.states.all()],
        "transboundary": place.transboundary,
        "region": place.region,
        "location": {"lon": loc.lon, "lat": loc.lat, "exact": loc.exact},
        "boundary": loc.boundary or None,
        "area_ha": float(place.area_ha) if place.area_ha is not None else None,
        "inscriptions": [
            {"list": i.heritage_list.key, "status": i.status, "year": i.year,
             "criteria": [c.code for c in i.criteria.all()]}
            for i in place.inscriptions.all()
        ],
        "in_danger": is_currently_in_danger(place),
        "danger_history": [{"in": d.year_in, "out": d.year_out} for d in place.danger_listings.all()],
        "attribution": place.attribution,
        "source_id": place.external_id,
    }


def geojson_feature(user, place, lang: str = "en") -> dict | None:
    loc = geo.location_for(user, place)
    if loc.lon is None:
        return None
    return {
        "type": "Feature",
        "id": place.pk,
        "geometry": {"type": "Point", "coordinates": [loc.lon, loc.lat]},
        "properties": {
            "name": place.name(lang), "category": place.category,
            "states": [s.country for s in place.states.all()],
            "in_danger": is_currently_in_danger(place), "exact": loc.exact,
            "attribution": place.attribution,
        },
    }


def states_label(codes, lang="en") -> str:
    return ", ".join(country_name(c, lang) for c in codes)

