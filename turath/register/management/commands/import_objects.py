"""`turath import FILE --user USERNAME`: import Object ID records from CSV or JSON (see register/importer/)."""

import json
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from turath.register import importer


class Command(BaseCommand):
    help = "Import Object ID records from a CSV or JSON file (all or nothing unless --partial)."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="CSV or JSON file")
        parser.add_argument("--user", help="username of the importing user; records belong to their agency")
        parser.add_argument("--format", choices=["csv", "json"], help="default: from the file name")
        parser.add_argument("--encoding", help="utf-8, utf-8-sig, cp1256, latin-1 … (default: detected)")
        parser.add_argument("--delimiter", help="CSV delimiter (default: sniffed among , ; and tab)")
        parser.add_argument("--partial", action="store_true", help="import the valid rows, report the others")
        parser.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
        parser.add_argument("--report", metavar="FILE.json", help="also write the report as JSON")
        parser.add_argument("--max-bytes", type=int, default=importer.DEFAULT_MAX_BYTES,
                            help="refuse larger files (default 2 GB)")
        parser.add_argument("--template", action="store_true", help="print the CSV header and exit")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **opts):
        if opts["template"]:
            self.stdout.write(importer.template_header())
            return
        if not opts["path"] or not opts["user"]:
            raise CommandError("give a FILE and --user USERNAME (or --template)")
        user = get_user_model().objects.filter(username=opts["user"], is_active=True).select_related("agency").first()
        if user is None:
            raise CommandError(f"no active user «{opts['user']}»")
        bar = None
        if not opts["no_progress"]:
            from tqdm import tqdm

            bar = tqdm(unit=" rows", file=sys.stderr, mininterval=0.5, disable=None)
        try:
            report = importer.import_file(opts["path"], user, fmt=opts["format"], encoding=opts["encoding"],
                                          partial=opts["partial"], dry_run=opts["dry_run"],
                                          max_bytes=opts["max_bytes"], delimiter=opts["delimiter"],
                                          progress=bar.update if bar is not None else None)
        finally:
            if bar is not None:
                bar.close()
        if opts["report"]:
            with open(opts["report"], "w", encoding="utf-8") as fh:
                json.dump(report.as_dict(), fh, ensure_ascii=False, indent=2)
        self.stdout.write(report.as_text())
        if not report.ok:
            raise CommandError("the import found errors" + ("" if report.committed else "; nothing was written"),
                               returncode=2)
