"""The import itself: rows in batches, validated, compared, written in one transaction (all or nothing
unless partial; nothing in a dry run), audited once per batch of new records."""

import codecs
import hashlib
import json
import os
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from turath.core import audit
from turath.core.context import acting_as
from turath.core.errors import RecordInvalid
from turath.core.permissions import can_add

from .. import services
from ..models import BulkLoad, CulturalObject, Inscription, Measurement, StatusChange
from ..search import compose_search_text
from .bulk import _ATTNAME, _OBJECT_DEFAULTS, _index_batch, _raw_insert
from .columns import (
    BATCH_SIZE,
    DEFAULT_MAX_BYTES,
    MAX_REPORTED_ROWS,
    ImportFileError,
)
from .compare import _comparable, _preview
from .reading import detect_encoding, read_csv, read_json
from .report import RecordImportReport
from .rows import ConceptCache, row_to_data


class _Rollback(Exception):
    """Leaves the import's transaction without writing (all-or-nothing with errors, or a dry run)."""


# What json.dumps(data, sort_keys=True, ensure_ascii=False, default=str) builds on every call, built once.
_DIGEST_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str)


class _Importer:
    def __init__(self, user, *, partial: bool, dry_run: bool, report: RecordImportReport, progress, source: str):
        self.user, self.partial, self.dry_run, self.report = user, partial, dry_run, report
        self.progress, self.source = progress, source
        self.cache = ConceptCache()
        self.seen_numbers: set[str] = set()
        self.agency = user.agency
        self.bulk = False  # a BulkLoad row is held in this transaction (SQLite)

    def fail(self, label, number, errors, suggestions=None):
        self.report.fail(label, errors, key=number, suggestions=suggestions)

    @property
    def writing(self) -> bool:
        # All or nothing: after the first failure nothing more is written, but every row is still checked.
        # A dry run writes nothing at all (it counts what it would write).
        return not self.dry_run and (self.partial or not self.report.failed)

    def run(self, rows: Iterable[tuple[str, dict]]):
        batch = []
        for label, row in rows:
            batch.append((label, row))
            if len(batch) >= BATCH_SIZE:
                self.batch(batch)
                batch = []
        if batch:
            self.batch(batch)

    def batch(self, batch):
        self.report.rows += len(batch)
        prepared = []
        for label, row in batch:
            number = str(row.get("record_number") or "").strip()
            if "__malformed__" in row:
                problem = row["__malformed__"]
                self.fail(label, number, problem if isinstance(problem, dict) else {"row": [problem]})
                continue
            data, errors = row_to_data(row)
            if errors:
                self.fail(label, number, errors)
                continue
            if number and number in self.seen_numbers:
                self.fail(label, number, {"record_number": [_("Given twice in this file.")]})
                continue
            if number:
                self.seen_numbers.add(number)
            prepared.append((label, number, self.cache.prepare(data)))
        existing = {} if not prepared else {o.record_number: o for o in CulturalObject.objects.filter(
            record_number__in=[number for _label, number, _data in prepared if number]).select_related(
            "owning_agency", "object_type", "period").prefetch_related(
            "materials", "techniques", "measurements", "inscriptions", "images")}
        visible = set(CulturalObject.objects.restrict(self.user, "view").filter(
            pk__in=[o.pk for o in existing.values()]).values_list("pk", flat=True))
        changeable = set(CulturalObject.objects.restrict(self.user, "change").filter(
            pk__in=[o.pk for o in existing.values()]).values_list("pk", flat=True))
        new_records = []
        for label, number, data in prepared:
            suggestions: dict = {}
            obj = existing.get(number)
            try:
                if obj is None:
                    cleaned = services.validate_record(data, user=self.user, suggestions=suggestions)
                    new_records.append((label, number, data, cleaned))
                    continue
                if obj.pk not in visible:
                    raise RecordInvalid({"record_number": [
                        _("A record with this number already exists in another agency's register.")]})
                cleaned = services.validate_record(data, user=self.user, instance=obj, suggestions=suggestions)
                before = services.serialize(obj)
                if _comparable(_preview(before, cleaned)) == _comparable(json.loads(json.dumps(before, default=str))):
                    self.report.unchanged += 1
                    continue
                if obj.pk not in changeable:
                    raise RecordInvalid({"record_number": [
                        _("This record belongs to another agency or your role may not change it; "
                          "the row differs from it and was not applied.")]})
                if self.writing:
                    with audit.atomic():
                        services.update_object(self.user, obj, data)
                elif self.dry_run and len(self.report.would_update) < MAX_REPORTED_ROWS:
                    self.report.would_update.append(number)
                self.report.updated += 1
            except RecordInvalid as exc:
                self.fail(label, number, exc.errors, suggestions)
        if new_records and not can_add(self.user):
            for label, number, _data, _cleaned in new_records:
                self.fail(label, number, {"record_number": [_("Your role may not add records.")]})
            new_records = []
        if new_records and self.writing:
            self.create(new_records)
        if self.dry_run:
            room = MAX_REPORTED_ROWS - len(self.report.would_create)
            self.report.would_create += [number for _l, number, _d, _c in new_records[:max(room, 0)]]
        self.report.created += len(new_records) if self.writing or self.dry_run else 0
        if self.progress:
            self.progress(len(batch))

    def create(self, records):
        """Insert new records and their children with one executemany per table (the ORM's per-object
        work dominated the import's time), then audit the batch once."""
        now = timezone.now()
        user_id, agency_id = self.user.pk, self.agency.pk
        rows, by_number = [], {}
        self.cache.preload(c for _l, _n, _d, cleaned in records for c in (
            cleaned.values.get("object_type"), cleaned.values.get("period"), *(cleaned.materials or []),
            *(cleaned.techniques or [])))
        for _label, number, _data, cleaned in records:
            values = cleaned.values
            text = compose_search_text(
                values, [i["text"] for i in cleaned.inscriptions or []],
                [values.get("object_type"), values.get("period"), *(cleaned.materials or []),
                 *(cleaned.techniques or [])], self.cache.terms)
            row = {**_OBJECT_DEFAULTS, **{_ATTNAME.get(k, k): v for k, v in values.items()}}
            row.update(object_type_id=values["object_type"].pk, period_id=values["period"] and values["period"].pk,
                       uid=uuid.uuid4(), owning_agency_id=agency_id, created_by_id=user_id, search_text=text,
                       created=now, updated=now, status_changed=now)
            rows.append(row)
            by_number[number] = cleaned
        if connection.vendor == "sqlite" and not self.bulk:
            # See BulkLoad: the insert triggers stand aside for the rest of this transaction.
            BulkLoad.objects.create()
            self.bulk = True
        _raw_insert(CulturalObject, rows)
        ids = dict(CulturalObject.objects.filter(record_number__in=list(by_number)).values_list("record_number", "pk"))
        mat_through, tech_through = CulturalObject.materials.through, CulturalObject.techniques.through
        mats, techs, measures, inscriptions, history = [], [], [], [], []
        note = _("Record created (import)")
        for row in rows:
            pk, cleaned = ids[row["record_number"]], by_number[row["record_number"]]
            # Deduplicated by id (what Concept equality compares), without hashing model instances.
            mats += [{"culturalobject_id": pk, "concept_id": cid} for cid in dict.fromkeys(c.pk for c in cleaned.materials)]
            techs += [{"culturalobject_id": pk, "concept_id": cid}
                      for cid in dict.fromkeys(c.pk for c in cleaned.techniques)]
            measures += [{"object_id": pk, **m} for m in cleaned.measurements]
            inscriptions += [{"object_id": pk, **i} for i in cleaned.inscriptions]
            history.append({"object_id": pk, "from_status": "", "to_status": row["status"], "at": now,
                            "by_id": user_id, "agency_code": self.agency.code, "note": note})
        for model, child_rows in ((mat_through, mats), (tech_through, techs), (Measurement, measures),
                                  (Inscription, inscriptions), (StatusChange, history)):
            _raw_insert(model, child_rows)
        if self.bulk:
            _index_batch(list(ids.values()))
        objs = sorted(ids.items(), key=lambda item: item[1])
        digest = hashlib.sha256()
        for _label, _number, data, _cleaned in records:
            digest.update(_DIGEST_JSON.encode(data).encode())
        audit.record("register.object.import", object_type="register.culturalobject",
                     object_repr=_("%(n)d records imported from %(src)s") % {"n": len(objs), "src": self.source},
                     after={"count": len(objs), "source": self.source, "sha256": digest.hexdigest(),
                            "record_numbers": [number for number, _pk in objs],
                            "first_id": objs[0][1], "last_id": objs[-1][1]})


def import_rows(rows_iter: Iterable, user, *, partial: bool = False, dry_run: bool = False, progress=None,
                source: str = "rows", report: RecordImportReport | None = None) -> RecordImportReport:
    """Import rows: (label, dict) pairs, or plain dicts (labelled by their index)."""
    report = report or RecordImportReport(source=source)
    report.partial, report.dry_run = partial, dry_run

    def labelled():
        for index, item in enumerate(rows_iter):
            yield item if isinstance(item, tuple) else (f"[{index}]", item)

    if user is None or user.agency is None:
        report.file_errors.append(_("The importing user must belong to an agency."))
        return report
    importer = _Importer(user, partial=partial, dry_run=dry_run, report=report, progress=progress, source=source)
    try:
        with acting_as(user, via="import"), transaction.atomic():
            # The audit entries are appended at the end, so that the import does not hold the audit
            # log's lock (and with it every other agency's audited actions) while it runs.
            with audit.appended_at_end():
                importer.run(labelled())
                if dry_run or (report.failed and not partial):
                    raise _Rollback
            if importer.bulk:
                BulkLoad.objects.all().delete()  # never committed: the triggers are back for everyone
            report.committed = True
    except _Rollback:
        report.committed = False
    except ImportFileError as exc:
        report.file_errors.append(str(exc))
        report.committed = False
    if not report.committed and (not dry_run or report.file_errors):
        report.created = report.updated = 0
    return report


def import_file(path, user, *, fmt: str | None = None, encoding: str | None = None, partial: bool = False,
                progress: Callable[[int], None] | None = None, dry_run: bool = False,
                max_bytes: int = DEFAULT_MAX_BYTES, delimiter: str | None = None) -> RecordImportReport:
    path = Path(path)
    fmt = (fmt or ("json" if path.suffix.lower() in (".json", ".jsonld") else "csv")).lower()
    report = RecordImportReport(source=path.name, format=fmt, partial=partial)
    if fmt not in ("csv", "json"):
        report.file_errors.append(_("Unknown format «%(f)s»: use csv or json.") % {"f": fmt})
        return report
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        report.file_errors.append(str(exc))
        return report
    if size > max_bytes:
        report.file_errors.append(_("The file is %(size)d bytes, over the limit of %(max)d (raise it with --max-bytes).")
                                  % {"size": size, "max": max_bytes})
        return report
    try:
        with open(path, "rb") as fh:
            if encoding:
                codecs.lookup(encoding)
            report.encoding = encoding or detect_encoding(fh.read(1 << 20))
            report.encoding_detected = not encoding
            fh.seek(0)
            rows = read_csv(fh, report.encoding, report, delimiter) if fmt == "csv" else read_json(fh, report.encoding)
            return import_rows(rows, user, partial=partial, dry_run=dry_run, progress=progress, source=path.name,
                               report=report)
    except LookupError:
        report.file_errors.append(_("Unknown encoding «%(e)s».") % {"e": encoding})
    except ImportFileError as exc:
        report.file_errors.append(str(exc))
    return report
