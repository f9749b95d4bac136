"""A synthetic demo register: agencies of member states, a user of every role, objects and photographs.

The demo data is synthetic. Every record is written from templates (aligned Arabic, English and
French wordings, so translations really translate), with types, materials, techniques, periods,
dates and places that belong together: a dinar is gold, struck, Umayyad to Fatimid; a lustre tile
is stonepaste from Kashan; a Kufic Qur'an folio is on parchment. Records move through the whole
lifecycle (reported stolen, published, seized, restituted …) with a dated status history.

`demo_row(i, seed)` returns one record as a plain dict in the shape `services.validate_record`
and the CSV importer read; `load_demo` writes rows in bulk (one transaction per batch, search
text composed as register/search.py does) and photographs through `images.add_image`.
Everything is seeded: the same seed gives the same records.

One subject a module: people.py (member states, agencies, accounts), catalogue.py (the objects' data and
demo_row), writing.py (rows written in bulk), pictures.py (the photographs), loading.py (load_demo).
"""

from .catalogue import (
    AR_UNITS,
    ARCHETYPES,
    CAPTIONS,
    CSV_COLUMNS,
    DEFAULT_SEED,
    LANGS,
    NETWORK,
    PERIODS,
    PLACES,
    SHARING_WEIGHTS,
    STATUS_NOTES,
    STATUS_PATHS,
    Archetype,
    DemoError,
    DemoVocab,
    Period,
    S,
    csv_row,
    demo_row,
)
from .loading import DemoReport, load_demo
from .people import (
    AGENCY_KINDS,
    ALL_ROLES,
    COUNTRIES,
    DEMO_PASSWORD,
    KIND_NAMES,
    LOGIN_COUNTRIES,
    NAMED_AGENCIES,
    SECRETARIAT_COUNTRY,
    demo_agencies,
    demo_users,
    ensure_people,
    login_table,
)
from .pictures import _draw, draw_image, image_bytes
from .writing import insert_rows

__all__ = [
    "AGENCY_KINDS",
    "ALL_ROLES",
    "COUNTRIES",
    "DEMO_PASSWORD",
    "KIND_NAMES",
    "LOGIN_COUNTRIES",
    "NAMED_AGENCIES",
    "SECRETARIAT_COUNTRY",
    "demo_agencies",
    "demo_users",
    "ensure_people",
    "login_table",
    "ARCHETYPES",
    "AR_UNITS",
    "Archetype",
    "CAPTIONS",
    "CSV_COLUMNS",
    "DEFAULT_SEED",
    "DemoVocab",
    "LANGS",
    "NETWORK",
    "PERIODS",
    "PLACES",
    "Period",
    "S",
    "SHARING_WEIGHTS",
    "STATUS_NOTES",
    "STATUS_PATHS",
    "csv_row",
    "demo_row",
    "insert_rows",
    "_draw",
    "draw_image",
    "image_bytes",
    "DemoError",
    "DemoReport",
    "load_demo",
]
