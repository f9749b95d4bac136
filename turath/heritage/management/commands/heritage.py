"""`turath heritage import-unesco FILE [--partial] [--agency CODE]`: the heritage list's command-line tasks."""

from django.core.management.base import BaseCommand, CommandError

from turath.core.context import acting_as
from turath.core.models import Agency, AgencyKind
from turath.heritage.unesco import import_unesco


class Command(BaseCommand):
    help = "Heritage list tasks: import-unesco FILE (the UNESCO export as XLSX, XLS or CSV); demo."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="task", required=True)
        imp = sub.add_parser("import-unesco", help="Import the UNESCO World Heritage List export (whc-sites-*.xlsx, .xls or .csv).")
        imp.add_argument("file")
        imp.add_argument("--partial", action="store_true",
                         help="write the good rows even if some rows have problems (they are still reported)")
        imp.add_argument("--agency", help="code of the owning agency (default: the secretariat)")
        sub.add_parser("demo", help="load the UNESCO list shipped with Turath and a demo of the organization's own "
                                    "list (after `turath demo`); does nothing twice")

    def handle(self, *args, task, **opts):
        if task == "import-unesco":
            return self.import_unesco(opts["file"], opts["partial"], opts.get("agency"))
        if task == "demo":
            return self.demo()
        raise CommandError(f"unknown task {task}")

    def demo(self):
        from turath.heritage.demo import load_heritage_demo

        report = load_heritage_demo()
        if report.unesco_rows:
            self.stdout.write(f"UNESCO World Heritage List: {report.unesco_rows} properties "
                              "(data: UNESCO World Heritage Centre).")
        if report.skipped:
            self.stdout.write(f"Organization's list: nothing loaded ({report.skipped}).")
        else:
            states = ", ".join(f"{k} {v}" for k, v in sorted(report.nominations.items()))
            self.stdout.write(f"Organization's list: {report.places} places, files by state: {states}.")

    def import_unesco(self, path, partial, agency_code):
        agencies = Agency.objects.filter(code=agency_code) if agency_code else \
            Agency.objects.filter(kind=AgencyKind.SECRETARIAT).order_by("pk")
        agency = agencies.first()
        if agency is None:
            raise CommandError("No owning agency: create the secretariat agency first or give --agency CODE.")
        try:
            with acting_as(None, via="cli"):
                report = import_unesco(path, agency=agency, partial=partial)
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        for problem in [*report.file_errors, *report.row_error_lines()]:
            self.stderr.write(f"problem: {problem}")
        if not report.committed:
            raise CommandError(f"{report.failed + len(report.file_errors)} problem(s) in {report.rows} rows: "
                               "nothing imported "
                               "(fix them, or use --partial to import the other rows).")
        matched = (f" ({report.matched_by_name} rows without id_no matched by name and states)"
                   if report.matched_by_name else "")
        self.stdout.write(f"{report.rows} rows ({report.format}): {report.created} created, "
                          f"{report.updated} updated, {report.unchanged} unchanged, "
                          f"{report.failed} with problems{matched}. Data: UNESCO World Heritage Centre.")
