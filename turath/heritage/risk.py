"""Which listed places does a flood, earthquake or front line reach?

1. SQL prefilter on the indexed bbox columns (the area's bbox, grown by the distance and by the
   generalisation margin of sensitive sites);
2. exact test with shapely on the candidates, vectorised (shapely 2 ufuncs over a prepared area);
3. distances in km in a local equirectangular projection centred on the area (no pyproj).

A user who may not see a sensitive site's exact position is answered from its generalised
position (geo.location_for), so drawing polygons cannot locate it more precisely than the public map.
"""

import math
from dataclasses import dataclass

import numpy as np
import shapely
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from turath.core import audit
from turath.core.errors import NotPermitted
from turath.core.permissions import can_add

from . import geo
from .models import DangerListing, HeritagePlace, Incident, Inscription

LOCATION_FIELDS = ("id", "name_en", "name_fr", "name_ar", "lon", "lat", "boundary", "buffer_zone", "sensitive",
                   "owning_agency_id", "sharing", "category")


@dataclass
class PlaceAtRisk:
    place: HeritagePlace
    distance_km: float  # 0 when inside the area
    in_danger: bool
    location: geo.Location


def _grow_bbox(bounds, km: float):
    minx, miny, maxx, maxy = bounds
    dlat = km / geo.KM_PER_DEG_LAT + geo.GENERALISED_STEP
    widest = max(abs(miny) + dlat, abs(maxy) + dlat)
    coslat = max(math.cos(math.radians(min(widest, 89.9))), 1e-6)
    dlon = km / (geo.KM_PER_DEG_LON_EQUATOR * coslat) + geo.GENERALISED_STEP
    return minx - dlon, miny - dlat, maxx + dlon, maxy + dlat


def places_in_area(user, geometry_geojson: str, within_km: float = 0, *, listed_only: bool = True) -> list[PlaceAtRisk]:
    """Listed places the user may see whose point or boundary lies inside the area or within `within_km` of it."""
    area = geometry_geojson if hasattr(geometry_geojson, "geom_type") else geo.parse_polygon(geometry_geojson)
    if area is None:
        raise geo.GeometryInvalid("no area given")
    within_km = max(float(within_km or 0), 0.0)
    minx, miny, maxx, maxy = _grow_bbox(area.bounds, within_km)
    qs = (HeritagePlace.objects.restrict(user, "view")
          .filter(min_lon__lte=maxx, max_lon__gte=minx, min_lat__lte=maxy, max_lat__gte=miny).order_by())
    if listed_only:
        # EXISTS, not IN: lets the planner drive from the bbox index instead of scanning every inscription.
        qs = qs.filter(Exists(Inscription.objects.filter(place_id=OuterRef("pk"))))
    candidates = list(qs.only(*LOCATION_FIELDS))
    if not candidates:
        return []
    locations = [geo.location_for(user, p) for p in candidates]
    # Vectorised shapely: one array of points, one of boundaries (validated when they were saved).
    points = shapely.points([loc.lon if loc.lon is not None else np.nan for loc in locations],
                            [loc.lat if loc.lat is not None else np.nan for loc in locations])
    points[[loc.lon is None for loc in locations]] = None
    boundaries = np.array([loc.boundary or None for loc in locations], dtype=object)
    has_boundary = boundaries != None  # noqa: E711 (element-wise comparison)
    boundaries[has_boundary] = shapely.from_geojson(boundaries[has_boundary])
    c = area.centroid
    if within_km > 0:
        projected_area = geo.project(area, c.x, c.y)
        shapely.prepare(projected_area)
        d_points = shapely.distance(projected_area, geo.project(points, c.x, c.y))
        d_bounds = shapely.distance(projected_area, geo.project(boundaries, c.x, c.y))
        distances = np.fmin(np.nan_to_num(d_points, nan=np.inf), np.nan_to_num(d_bounds, nan=np.inf))
        hits = distances <= within_km
    else:
        shapely.prepare(area)
        hits = shapely.intersects(area, points) | shapely.intersects(area, boundaries)
        distances = np.zeros(len(candidates))
    found = np.nonzero(hits)[0]
    in_danger = set(DangerListing.objects.filter(place_id__in=[candidates[i].pk for i in found],
                                                 year_out__isnull=True).values_list("place_id", flat=True))
    out = [PlaceAtRisk(candidates[i], round(float(distances[i]), 3), candidates[i].pk in in_danger, locations[i])
           for i in found]
    out.sort(key=lambda r: (r.distance_km, r.place.name_en))
    return out


def record_incident(user, *, kind: str, title: str, area_geojson: str, within_km: float = 0, description: str = "",
                    occurred_on=None, sharing: str = "members") -> Incident:
    """Save the area as an incident affecting every place the query finds (as this user sees them)."""
    if not can_add(user):
        raise NotPermitted(_("You may not record incidents."))
    area = geo.parse_polygon(area_geojson)
    hits = places_in_area(user, area, within_km)
    with transaction.atomic():
        incident = Incident.objects.create(kind=kind, title=title, description=description, occurred_on=occurred_on,
                                           area=geo.to_geojson(area), within_km=within_km, reported_by=user,
                                           owning_agency=user.agency, sharing=sharing)
        incident.places.set([h.place for h in hits])
        audit.record("heritage.incident.create", incident, after={"kind": kind, "places": [h.place.pk for h in hits]})
    return incident
