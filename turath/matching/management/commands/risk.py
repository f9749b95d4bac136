from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from turath.core.context import acting_as
from turath.matching import screening

DEMO_FILE = Path(__file__).resolve().parents[2] / "data" / "risk_categories.csv"


class Command(BaseCommand):
    help = "At-risk categories: load-demo | import FILE.csv | export [--out FILE] | screen WORDS"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("load-demo")
        imp = sub.add_parser("import")
        imp.add_argument("file")
        exp = sub.add_parser("export")
        exp.add_argument("--out", default="-")
        scr = sub.add_parser("screen")
        scr.add_argument("words", nargs="+")
        scr.add_argument("--lang", default="en")

    def handle(self, *args, action, **opts):
        with acting_as(None, via="cli"):
            if action in ("load-demo", "import"):
                path = DEMO_FILE if action == "load-demo" else Path(opts["file"])
                if not path.exists():
                    raise CommandError(f"No such file: {path}")
                try:
                    n = screening.import_categories_csv(path.read_text(encoding="utf-8-sig"))
                except screening.CategoryImportError as exc:
                    raise CommandError("\n".join(exc.errors)) from None
                self.stdout.write(self.style.SUCCESS(f"{n} at-risk categories imported."))
            elif action == "export":
                text = screening.export_categories_csv()
                if opts["out"] == "-":
                    self.stdout.write(text)
                else:
                    Path(opts["out"]).write_text(text, encoding="utf-8")
            else:
                for hit in screening.screen(" ".join(opts["words"]), lang=opts["lang"]):
                    reasons = "; ".join(t for _, t in hit.reasons)
                    self.stdout.write(f"{hit.score:4.1f}  {hit.category.name(opts['lang'])}: {reasons}")
