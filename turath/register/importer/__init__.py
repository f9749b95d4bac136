"""Import of Object ID records from CSV or JSON files.

CSV columns (header row required; order free; `turath import --template` prints the header):

    record_number            the register's number, unique across agencies (required)
    object_type              a concept of the object-types scheme (required): label in any language or URI
    materials, techniques    ";"-separated labels (Arabic, English, French) or concept URIs
    measurements             "height=12.5 cm; width=8 cm" (also hauteur/ارتفاع …, weight in g/kg)
    inscriptions             ";"-separated texts in `language`, or a JSON list of
                             {"kind", "text", "script", "position"} (what the exporter writes)
    distinguishing_features, title, subject, description
                             free text in the original language given by `language` (ar/en/fr);
                             a title or a description is required (Object ID)
    language                 original language of the free text (defaults to the importing user's);
                             exceptions per field after it: "fr; description=ar" (the exporter writes these)
    title_ar, title_en, title_fr, description_ar, description_en, description_fr
                             translations; human translations unless the language is listed in
    machine_translated       ";"-separated languages whose translations were machine-made ("en; fr"),
                             or single columns ("description_en")
    date                     as written: 1250, 1250-1300, 656 AH, 12th century, 300 BCE …
    period                   a concept of the periods scheme
    maker, related_written_material, place_of_origin, place_of_discovery, current_holder   plain text
    origin_country           ISO 3166-1 alpha-2 code
    inventory_numbers, cross_references   ";"-separated lists
    date_documented          YYYY-MM-DD
    status                   initial status of a new record (registered, reported_stolen …)
    sharing                  agency | network | members | public (default agency)

Translations of subject and distinguishing_features, and inscription details, travel in JSON (or
the JSON form of the inscriptions cell); CSV carries title and description translations only.
A progress callable (the CLI passes a tqdm bar on stderr) is called with the number of rows of each batch.

JSON: an array of records, or {"objects": [...]}, in the shape services.serialize() produces
(so an export re-imports unchanged); derived keys (uid, owning_agency, version, images, date_*) are
ignored. Arrays are read element by element, so a large file is never held in memory.

Every row goes through services.validate_record, the one validation path of the UI, the API and
imports. The report names each failing row (CSV line number, JSON index) and field, with vocabulary
suggestions for unknown terms.

Reading: lines may end in LF, CRLF or a bare CR (old Macintosh spreadsheets); rows whose cells are all
empty (a spreadsheet's trailing rows) are skipped; a cell longer than MAX_CELL_CHARS, or anything else the
csv module refuses, is a report line naming the row (and the column), never a traceback. The report says
which encoding was used and whether it was detected or declared.

Writing: the whole import runs in one transaction. A dry run writes nothing at all and reports what it
would create and update (counts and record numbers). By default it is all or nothing: a single invalid
row, or a crash, writes nothing. With `partial=True` the valid rows are written and the others
reported. Re-importing is idempotent on record_number: a row equal to the stored record (compared
through serialize()) changes nothing, a changed row updates the record through services.update_object
(only where the importing user's agency owns it and the user may change it; otherwise the row is an
error). New records take a bulk path (concepts resolved once per term and cached, rows inserted in
batches with their search text, materials, techniques, measurements, inscriptions and first status
change; the broader-concept closures of a batch are loaded together). What repeats across rows is worked
out once per distinct value and remembered: words' normalised forms (core.textnorm), measurements,
dates, countries (inside validate_record, never its messages) and `language` cells;
tests/test_import_fast.py proves these give what the plain computations give. Deliberately, the
audit log receives ONE entry per batch of new records (action "register.object.import", the record numbers
and a SHA-256 digest of the rows), not one "register.object.create" entry per record; updates are audited per record by
update_object.

The package, one subject a module: columns.py (the columns and keys), reading.py (files, encodings, CSV
and JSON rows), rows.py (a row as the record validate_record reads; concepts looked up once), compare.py
(a row against the stored record), bulk.py (new records inserted and indexed in bulk), run.py (batches,
the transaction, the audit), report.py (the report, core.importing's).
"""

from ..search import compose_search_text
from .bulk import _ATTNAME, _OBJECT_DEFAULTS, _adapter, _index_batch, _raw_insert
from .columns import (
    BATCH_SIZE,
    COLUMNS,
    DEFAULT_MAX_BYTES,
    DERIVED_KEYS,
    JSON_KEYS,
    LANGS,
    MAX_REPORTED_ROWS,
    REQUIRED_COLUMNS,
    TEXT_TRANSLATED,
    ImportFileError,
)
from .compare import _comparable, _preview
from .reading import MAX_CELL_CHARS, detect_encoding, read_csv, read_json, template_header
from .report import RecordImportReport
from .rows import ConceptCache, _json_concept, row_to_data
from .run import import_file, import_rows

__all__ = [
    "TEXT_TRANSLATED",
    "LANGS",
    "COLUMNS",
    "REQUIRED_COLUMNS",
    "DERIVED_KEYS",
    "JSON_KEYS",
    "DEFAULT_MAX_BYTES",
    "BATCH_SIZE",
    "MAX_REPORTED_ROWS",
    "ImportFileError",
    "RecordImportReport",
    "template_header",
    "detect_encoding",
    "read_csv",
    "read_json",
    "MAX_CELL_CHARS",
    "row_to_data",
    "ConceptCache",
    "_json_concept",
    "_comparable",
    "_preview",
    "_OBJECT_DEFAULTS",
    "_ATTNAME",
    "_adapter",
    "_raw_insert",
    "_index_batch",
    "import_rows",
    "import_file",
    "compose_search_text",
]
