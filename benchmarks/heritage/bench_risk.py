"""Benchmark: the risk query over 100,000 places with polygons, and the public list page with 10,000 places.

    .venv/bin/python benchmarks/heritage/bench_risk.py [--places 100000] [--list-places 10000] [--queries 200]

Runs on a fresh SQLite database in a temporary directory (or on TURATH_DATABASE_URL if set: use an
empty database). Synthetic places are spread over the member states' region (lon -17..60, lat
10..42), each with a small boundary polygon; every place is on the UNESCO list, the first
--list-places also on the organization's final list. Targets: risk query p95 ≤ 200 ms, list page
p95 ≤ 100 ms. Prints the figures; copy them into RESULTS.md.
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def setup_django():
    if not os.environ.get("TURATH_DATABASE_URL"):
        os.environ["TURATH_VAR_DIR"] = tempfile.mkdtemp(prefix="turath-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "turath.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def percentile(values, p):
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def populate(n_places: int, n_listed: int, rng: random.Random):
    from django.db import transaction

    from turath.core.models import Agency
    from turath.heritage.models import DangerListing, HeritageList, HeritagePlace, Inscription, PlaceState

    agency = Agency.objects.create(code="secretariat", kind="secretariat", country="SA", name_en="Secretariat")
    unesco = HeritageList.objects.get(key="unesco-whl")
    organization = HeritageList.objects.get(key="organization")
    criteria = list(organization.criteria_set.criteria.all())
    countries = ["EG", "MA", "SA", "JO", "TN", "DZ", "IQ", "SY", "LB", "OM", "YE", "SD", "LY", "AE", "QA", "KW"]
    categories = ["cultural"] * 7 + ["natural"] * 2 + ["mixed"]
    batch = 5000
    started = time.perf_counter()
    with transaction.atomic():
        for start in range(0, n_places, batch):
            places = []
            for i in range(start, min(start + batch, n_places)):
                lon, lat = rng.uniform(-17, 60), rng.uniform(10, 42)
                half = rng.uniform(0.002, 0.05)
                ring = [[round(lon - half, 5), round(lat - half, 5)], [round(lon + half, 5), round(lat - half, 5)],
                        [round(lon + half, 5), round(lat + half, 5)], [round(lon - half, 5), round(lat + half, 5)],
                        [round(lon - half, 5), round(lat - half, 5)]]
                places.append(HeritagePlace(
                    name_en=f"Synthetic site {i:06d}", name_fr=f"Site synthétique {i:06d}", name_ar=f"موقع {i:06d}",
                    category=rng.choice(categories), owning_agency=agency, sharing="public", lon=lon, lat=lat,
                    boundary=json.dumps({"type": "Polygon", "coordinates": [ring]}), sensitive=(i % 50 == 0),
                    min_lon=lon - half, min_lat=lat - half, max_lon=lon + half, max_lat=lat + half,
                    source="bench", external_id=str(i)))
            created = HeritagePlace.objects.bulk_create(places)
            if created[0].pk is None:  # backends that do not return keys
                created = list(HeritagePlace.objects.filter(source="bench", external_id__in=[
                    p.external_id for p in places]))
            PlaceState.objects.bulk_create([PlaceState(place=p, country=rng.choice(countries)) for p in created])
            Inscription.objects.bulk_create([Inscription(place=p, heritage_list=unesco, status="final",
                                                         year=rng.randint(1979, 2025)) for p in created])
            listed = Inscription.objects.bulk_create([
                Inscription(place=p, heritage_list=organization, status="final", year=rng.randint(2000, 2025))
                for p in created if int(p.external_id) < n_listed])
            if listed and listed[0].pk is None:
                listed = list(Inscription.objects.filter(heritage_list=organization, place__in=created))
            Through = Inscription.criteria.through
            Through.objects.bulk_create([Through(inscription_id=i.pk, criterion_id=c.pk) for i in listed
                                         for c in rng.sample(criteria, rng.randint(1, 3))])
            DangerListing.objects.bulk_create([DangerListing(place=p, heritage_list=unesco, year_in=2012)
                                               for p in created if int(p.external_id) % 40 == 0])
    return time.perf_counter() - started


def bench_risk(n_queries: int, rng: random.Random):
    from turath.heritage.risk import places_in_area

    timings, hits = [], []
    for q in range(n_queries):
        lon, lat = rng.uniform(-14, 57), rng.uniform(13, 39)
        w, h = rng.uniform(1.0, 3.0), rng.uniform(1.0, 3.0)
        # An irregular flood/conflict-like pentagon rather than a box.
        ring = [[lon, lat], [lon + w, lat + 0.2 * h], [lon + 0.8 * w, lat + h], [lon + 0.1 * w, lat + 0.9 * h],
                [lon - 0.2 * w, lat + 0.5 * h], [lon, lat]]
        area = json.dumps({"type": "Polygon", "coordinates": [ring]})
        within = 25 if q % 2 else 0
        t0 = time.perf_counter()
        result = places_in_area(None, area, within_km=within)
        timings.append((time.perf_counter() - t0) * 1000)
        hits.append(len(result))
    return timings, hits


def bench_list(n_requests: int, rng: random.Random):
    from django.test import Client

    client = Client()
    timings = []
    urls = ["/heritage/list/organization/", "/heritage/list/organization/?country=EG",
            "/heritage/list/organization/?category=natural", "/heritage/list/organization/?criterion=(iv)"]
    client.get(urls[0])  # warm-up (template compilation)
    for i in range(n_requests):
        url = urls[i % len(urls)]
        page = rng.randint(1, 40)
        url += ("&" if "?" in url else "?") + f"page={page}"
        t0 = time.perf_counter()
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=rng.choice(["ar", "en", "fr"]))
        timings.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return timings


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--places", type=int, default=100_000)
    parser.add_argument("--list-places", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    rng = random.Random(args.seed)
    print(f"database: {connection.vendor}; generating {args.places:,} places "
          f"({args.list_places:,} on the organization's list)…", flush=True)
    print(f"generation: {populate(args.places, args.list_places, rng):.1f} s", flush=True)
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    else:
        with connection.cursor() as cur:
            cur.execute("ANALYZE")

    risk_ms, hits = bench_risk(args.queries, rng)
    print(f"risk query over {args.places:,} places, {args.queries} polygons of 1–3° (half with within_km=25): "
          f"p50 {statistics.median(risk_ms):.1f} ms, p95 {percentile(risk_ms, 95):.1f} ms, "
          f"max {max(risk_ms):.1f} ms; places found per query: median {statistics.median(hits):.0f}, "
          f"max {max(hits)} (target p95 ≤ 200 ms)")
    list_ms = bench_list(args.queries, rng)
    print(f"public list page, {args.list_places:,} places, 50 per page, random page/filter/language: "
          f"p50 {statistics.median(list_ms):.1f} ms, p95 {percentile(list_ms, 95):.1f} ms, "
          f"max {max(list_ms):.1f} ms (target p95 ≤ 100 ms)")


if __name__ == "__main__":
    main()
