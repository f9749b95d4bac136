"""Geometry of places with shapely, and the one rule that decides who sees exact coordinates.

Distances and areas use a local equirectangular ("equal-distance") projection centred on the
geometry: accurate to well under 1 % for areas a few hundred kilometres across, which is what a
risk query covers. pyproj is not a dependency of the project, so it is not used.
"""

import json
import math
from dataclasses import dataclass

import shapely
from shapely.geometry import Point, mapping, shape

from turath.core.errors import RecordInvalid
from turath.core.permissions import agency_of, sees_everything

KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON_EQUATOR = 111.320
GENERALISED_STEP = 0.1  # degrees: what the public sees of a sensitive site's position
POLYGON_TYPES = ("Polygon", "MultiPolygon")


class GeometryInvalid(RecordInvalid, ValueError):
    """A polygon that cannot be used: a RecordInvalid of the field `geometry` (so the API's one
    mapping of core.errors answers 400 naming it); str() is the problem alone."""

    def __init__(self, message: str):
        super().__init__({"geometry": [message]})
        self.message = message

    def __str__(self):
        return self.message


def parse_polygon(text: str):
    """A valid (Multi)Polygon from GeoJSON text (a bare geometry, a Feature or a one-feature collection)."""
    if not text or not text.strip():
        return None
    try:
        data = json.loads(text) if isinstance(text, str) else text
    except json.JSONDecodeError as exc:
        raise GeometryInvalid(f"not JSON: {exc.msg}") from None
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features") or []
        if not features:
            raise GeometryInvalid("the feature collection is empty")
        geoms = [shape(f["geometry"]) for f in features]
        geom = shapely.union_all(geoms)
    elif isinstance(data, dict) and data.get("type") == "Feature":
        geom = shape(data.get("geometry") or {})
    elif isinstance(data, dict):
        try:
            geom = shape(data)
        except (ValueError, AttributeError, KeyError, TypeError) as exc:
            raise GeometryInvalid(f"not a GeoJSON geometry: {exc}") from None
    else:
        raise GeometryInvalid("not a GeoJSON object")
    if geom.geom_type not in POLYGON_TYPES:
        raise GeometryInvalid(f"expected a Polygon or MultiPolygon, got {geom.geom_type}")
    if geom.is_empty:
        raise GeometryInvalid("the polygon is empty")
    if not geom.is_valid:
        raise GeometryInvalid(f"invalid polygon: {shapely.is_valid_reason(geom)}")
    minx, miny, maxx, maxy = geom.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise GeometryInvalid("coordinates must be longitude/latitude in degrees (WGS 84)")
    return geom


def to_geojson(geom) -> str:
    return json.dumps(mapping(geom), separators=(",", ":"))


def project(geom, lon0: float, lat0: float):
    """The geometry in km of the local equirectangular projection centred on (lon0, lat0)."""
    kx = KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0))
    return shapely.transform(geom, lambda xy: (xy - (lon0, lat0)) * (kx, KM_PER_DEG_LAT))


def area_ha(geom) -> float:
    c = geom.centroid
    return project(geom, c.x, c.y).area * 100.0  # km² → ha


def bbox_of(lon, lat, *geoms) -> tuple[float, float, float, float] | None:
    boxes = [g.bounds for g in geoms if g is not None]
    if lon is not None and lat is not None:
        boxes.append((lon, lat, lon, lat))
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def apply_geometry(place, *, lon=None, lat=None, boundary: str | None = None, buffer_zone: str | None = None):
    """Validate and set the location fields of a place, with its bbox columns and computed areas."""
    errors = {}
    if lon is not None or lat is not None:
        if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
            errors["location"] = ["longitude must be within ±180 and latitude within ±90 degrees"]
        else:
            place.lon, place.lat = float(lon), float(lat)
    geoms = {}
    for field, text in (("boundary", boundary), ("buffer_zone", buffer_zone)):
        if text is None:
            text = getattr(place, field)
        try:
            geoms[field] = parse_polygon(text)
        except GeometryInvalid as exc:
            errors[field] = [str(exc)]
            continue
        setattr(place, field, to_geojson(geoms[field]) if geoms[field] is not None else "")
    if errors:
        return errors
    boundary_geom, buffer_geom = geoms.get("boundary"), geoms.get("buffer_zone")
    if place.lon is None and boundary_geom is not None:
        point = boundary_geom.representative_point()
        place.lon, place.lat = point.x, point.y
    if boundary_geom is not None and place.area_ha is None:
        place.area_ha = round(area_ha(boundary_geom), 4)
    if buffer_geom is not None:
        place.buffer_area_ha = round(area_ha(buffer_geom), 4)
    box = bbox_of(place.lon, place.lat, boundary_geom, buffer_geom)
    place.min_lon, place.min_lat, place.max_lon, place.max_lat = box if box else (None, None, None, None)
    return {}


# --- Who sees what of a location -----------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    lon: float | None
    lat: float | None
    exact: bool
    boundary: str = ""
    buffer_zone: str = ""

    @property
    def point(self):
        return Point(self.lon, self.lat) if self.lon is not None and self.lat is not None else None


def may_see_exact(user, place) -> bool:
    """Exact coordinates of a sensitive site: its owning agency's staff, the secretariat's administrators."""
    if not place.sensitive:
        return True
    agency = agency_of(user)
    if agency is None and not sees_everything(user):
        return False
    if sees_everything(user) or getattr(user, "is_secretariat_admin", False):
        return True
    return agency.pk == place.owning_agency_id


def generalise(value: float | None) -> float | None:
    """Snap to the centre of the 0.1° cell, so the shown point does not hint at where in the cell the site is."""
    if value is None:
        return None
    return round(math.floor(value / GENERALISED_STEP) * GENERALISED_STEP + GENERALISED_STEP / 2, 2)


def location_for(user, place) -> Location:
    """THE function that decides what a user sees of a place's position; every page, API, export and query uses it."""
    if may_see_exact(user, place):
        return Location(place.lon, place.lat, True, place.boundary, place.buffer_zone)
    return Location(generalise(place.lon), generalise(place.lat), False)
