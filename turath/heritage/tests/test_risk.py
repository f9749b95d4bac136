"""The risk query against the real 2019 list, checked independently with shapely on the CSV itself."""

import csv
import json
import math

import pytest
import shapely
from shapely.geometry import Point, Polygon

from turath.core.context import acting_as
from turath.heritage import geo
from turath.heritage.models import HeritagePlace, Inscription
from turath.heritage.risk import places_in_area, record_incident
from turath.heritage.unesco import SOURCE, import_unesco

from .factories import organization_list, place, square
from .test_unesco_import import CSV

# The eastern Mediterranean and Mesopotamia: Levant, Cyprus, Iraq, south-east Turkey, Sinai.
LEVANT = Polygon([(32.0, 29.0), (36.5, 36.8), (42.5, 37.6), (48.6, 30.0), (38.0, 28.5), (32.0, 29.0)])


def csv_rows():
    with CSV.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def haversine_km(lon1, lat1, lon2, lat2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


@pytest.fixture
def imported(agencies):
    with acting_as(None, via="test"):
        report = import_unesco(CSV, agency=agencies["secretariat"])
    assert report.created == 1121
    return report


def test_polygon_returns_exactly_the_properties_inside(imported, users):
    expected = {r["id_no"] for r in csv_rows() if LEVANT.contains(Point(float(r["longitude"]), float(r["latitude"])))}
    assert len(expected) > 20  # Petra, Palmyra, Baalbek, Babylon, Hatra, Jerusalem, Choirokoitia…
    for user in (None, users["ma_police_viewer"]):
        hits = places_in_area(user, json.dumps(shapely.geometry.mapping(LEVANT)))
        assert {h.place.external_id for h in hits} == expected
    hatra = next(h for h in hits if h.place.name_en == "Hatra")
    assert hatra.in_danger and hatra.distance_km == 0
    palmyra = next(h for h in hits if h.place.name_en.startswith("Site of Palmyra"))
    assert palmyra.in_danger


def test_within_km_matches_great_circle_distances(imported):
    area = Polygon([(30.0, 29.5), (32.5, 29.5), (32.5, 31.5), (30.0, 31.5)])  # Cairo to the Delta
    within = 250
    edge = shapely.segmentize(area.exterior, 0.01)
    vertices = list(edge.coords)
    clear_in, clear_out = set(), set()
    for r in csv_rows():
        lon, lat = float(r["longitude"]), float(r["latitude"])
        d = 0.0 if area.contains(Point(lon, lat)) else min(haversine_km(lon, lat, x, y) for x, y in vertices)
        if d <= within - 3:
            clear_in.add(r["id_no"])
        elif d >= within + 3:
            clear_out.add(r["id_no"])
    found = {h.place.external_id for h in places_in_area(None, geo.to_geojson(area), within_km=within)}
    assert clear_in <= found
    assert not (found & clear_out)
    assert "86" in found  # Memphis and its Necropolis – the Pyramid Fields, inside
    assert len(clear_in) > 3


def test_sensitive_site_is_matched_on_its_generalised_position(imported, users, actor):
    owner = users["eg_ministry_editor"]
    hidden = place(owner, name_en="Unexcavated tell", name_ar="تل غير منقب", name_fr="Tell non fouillé",
                   lon=31.4321, lat=30.6789, boundary=square(31.4321, 30.6789, 0.001), sensitive=True)
    Inscription.objects.create(place=hidden, heritage_list=organization_list(), status="preliminary")
    tight = geo.to_geojson(shapely.box(31.43, 30.678, 31.434, 30.68))  # around the exact spot only
    assert hidden.pk in {h.place.pk for h in places_in_area(owner, tight)}
    assert hidden.pk not in {h.place.pk for h in places_in_area(None, tight)}
    assert hidden.pk not in {h.place.pk for h in places_in_area(users["ma_police_editor"], tight)}
    cell = geo.to_geojson(shapely.box(31.44, 30.64, 31.46, 30.66))  # around the 0.1° cell's centre
    public_hit = [h for h in places_in_area(None, cell) if h.place.pk == hidden.pk]
    assert public_hit and not public_hit[0].location.exact
    assert (public_hit[0].location.lon, public_hit[0].location.lat) == (31.45, 30.65)


def test_record_incident_links_the_places(imported, users, actor):
    reporter = users["secretariat_editor"]
    with actor(reporter):
        incident = record_incident(reporter, kind="conflict", title="نزاع مسلح — armed conflict",
                                   area_geojson=json.dumps(shapely.geometry.mapping(LEVANT)))
    names = set(incident.places.values_list("name_en", flat=True))
    assert "Hatra" in names and incident.places.count() > 20
    assert HeritagePlace.objects.filter(source=SOURCE, incidents=incident).count() == incident.places.count()


def test_invalid_area_is_refused():
    bowtie = json.dumps({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]})
    with pytest.raises(geo.GeometryInvalid, match="invalid polygon"):
        places_in_area(None, bowtie)
    with pytest.raises(geo.GeometryInvalid, match="Polygon"):
        places_in_area(None, json.dumps({"type": "Point", "coordinates": [1, 2]}))
