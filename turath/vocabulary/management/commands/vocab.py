import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from turath.core.context import acting_as
from turath.vocabulary import services

FORMATS = {".ttl": "turtle", ".rdf": "xml", ".xml": "xml", ".owl": "xml", ".nt": "nt", ".jsonld": "json-ld"}


class Command(BaseCommand):
    help = "SKOS vocabulary: load-starter | import FILE | export [--format turtle|xml] [--scheme KEY]"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("load-starter", help="load Turath's curated starter thesaurus")
        imp = sub.add_parser("import", help="import any SKOS thesaurus (Turtle, RDF/XML, N-Triples, JSON-LD)")
        imp.add_argument("file")
        imp.add_argument("--format", default=None)
        imp.add_argument("--scheme-key", default=None, help="scheme for concepts without skos:inScheme")
        exp = sub.add_parser("export")
        exp.add_argument("--format", default="turtle", choices=["turtle", "xml", "nt", "json-ld"])
        exp.add_argument("--scheme", action="append", default=None)
        exp.add_argument("--out", default="-")

    def handle(self, *args, action, **opts):
        from tqdm import tqdm

        with acting_as(None, via="cli"):
            if action == "export":
                text = services.export_skos(opts["format"], opts["scheme"])
                if opts["out"] == "-":
                    self.stdout.write(text)
                else:
                    Path(opts["out"]).write_text(text, encoding="utf-8")
                return
            if action == "load-starter":
                path, fmt = services.STARTER_FILE, "turtle"
            else:
                path = Path(opts["file"])
                if not path.exists():
                    raise CommandError(f"No such file: {path}")
                fmt = opts["format"] or FORMATS.get(path.suffix.lower())
            with tqdm(unit="concept", disable=not sys.stderr.isatty(), file=sys.stderr) as bar:
                try:
                    report = services.import_skos(str(path), fmt, default_scheme_key=opts.get("scheme_key"),
                                                  progress=bar.update)
                except Exception as exc:  # rdflib raises many parser types; report them plainly
                    raise CommandError(f"Could not import {path}: {exc}") from None
        for w in report.warnings[:20]:
            self.stderr.write(f"warning: {w}")
        if len(report.warnings) > 20:
            self.stderr.write(f"… and {len(report.warnings) - 20} more warnings")
        self.stdout.write(self.style.SUCCESS(
            f"{report.created} concepts created, {report.updated} updated, "
            f"{report.labels} labels, {report.schemes} schemes."))
