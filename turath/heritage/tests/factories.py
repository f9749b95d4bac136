"""Small builders for heritage tests: real shapes, Arabic/French/English names."""

import json

from turath.core.context import acting_as
from turath.heritage.models import HeritageList
from turath.heritage.services import create_place


def square(lon, lat, half=0.05) -> str:
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half], [lon - half, lat + half],
            [lon - half, lat - half]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def place(user, **overrides):
    data = {
        "name_ar": "قلعة صلاح الدين الأيوبي", "name_en": "Citadel of Salah El-Din",
        "name_fr": "Citadelle de Saladin", "category": "cultural", "states": ["EG"],
        "lon": 31.2599, "lat": 30.0299, "boundary": square(31.2599, 30.0299, 0.004),
        "description": {"lang": "ar", "text": "قلعة من العصر الأيوبي تطل على القاهرة",
                        "tr": {"fr": {"text": "Forteresse ayyoubide dominant Le Caire", "machine": False}}},
        "sharing": "public",
    }
    data.update(overrides)
    with acting_as(user, via="test"):
        return create_place(user, data)


def organization_list():
    return HeritageList.objects.get(key="organization")


def unesco_list():
    return HeritageList.objects.get(key="unesco-whl")
