"""The import file's columns and JSON keys, and the limits of an import."""

from turath.core.importing import ImportReport

TEXT_TRANSLATED = ("title", "description")
LANGS = ("ar", "en", "fr")
COLUMNS = (
    "record_number", "object_type", "materials", "techniques", "measurements", "inscriptions",
    "distinguishing_features", "title", "subject", "description", "language",
    *(f"{f}_{lang}" for f in TEXT_TRANSLATED for lang in LANGS), "machine_translated",
    "date", "period", "maker", "inventory_numbers", "related_written_material", "place_of_origin",
    "place_of_discovery", "origin_country", "cross_references", "date_documented", "current_holder",
    "status", "sharing",
)
REQUIRED_COLUMNS = ("record_number", "object_type")
# JSON keys that serialize() writes but that the register derives itself.
DERIVED_KEYS = {"uid", "owning_agency", "version", "images", "date_calendar", "date_earliest", "date_latest",
                "hijri_earliest", "hijri_latest"}
JSON_KEYS = set(COLUMNS) | DERIVED_KEYS | {"lang"}
DEFAULT_MAX_BYTES = 2 * 1024**3
BATCH_SIZE = 1000
MAX_REPORTED_ROWS = ImportReport.MAX_REPORTED_ROWS


class ImportFileError(Exception):
    """The file as a whole cannot be read (size, encoding, header)."""
