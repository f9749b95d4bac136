"""Generate turath/heritage/static/heritage/world-outline.geojson, the map's offline base layer.

Source: Natural Earth 1:110m countries (public domain) as shipped inside the geopandas 0.14.4 wheel
(geopandas/datasets/naturalearth_lowres/, removed in geopandas 1.0). Steps, all offline once fetched:

    pip download --no-deps geopandas==0.14.4 -d /tmp/gp
    unzip /tmp/gp/geopandas-0.14.4-*.whl 'geopandas/datasets/naturalearth_lowres/*' -d /tmp/gp
    pip install --target /tmp/pyshp pyshp
    PYTHONPATH=/tmp/pyshp .venv/bin/python turath/heritage/static_src/make_world_outline.py \
        /tmp/gp/geopandas/datasets/naturalearth_lowres/naturalearth_lowres.shp

Geometry is simplified (0.05°) and rounded to 3 decimals to keep the file small.
"""

import json
import sys
from pathlib import Path

import shapefile  # pyshp
import shapely
from shapely.geometry import mapping, shape

OUT = Path(__file__).resolve().parents[1] / "static" / "heritage" / "world-outline.geojson"


def main(shp_path: str) -> None:
    reader = shapefile.Reader(shp_path)
    fields = [f[0] for f in reader.fields[1:]]
    features = []
    for record in reader.shapeRecords():
        props = dict(zip(fields, record.record, strict=True))
        geom = shapely.set_precision(shape(record.shape.__geo_interface__).simplify(0.05), 0.001)
        if geom.is_empty:
            continue
        features.append({"type": "Feature", "properties": {"iso_a3": props.get("iso_a3"), "name": props.get("name")},
                         "geometry": mapping(geom)})
    collection = {"type": "FeatureCollection",
                  "attribution": "Natural Earth (public domain), 1:110m countries, via geopandas 0.14.4",
                  "features": features}
    OUT.write_text(json.dumps(collection, separators=(",", ":")))
    print(f"{len(features)} countries, {OUT.stat().st_size // 1024} KiB → {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
