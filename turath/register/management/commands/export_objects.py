"""`turath export --user U --format csv|json|jsonld [--q ...] --out FILE`: export the records U may see."""

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from turath.core.context import acting_as
from turath.register import exporter


class Command(BaseCommand):
    help = "Export the register records a user may see as CSV, JSON or Linked Art JSON-LD."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="username: the export holds only what they may see")
        parser.add_argument("--format", choices=exporter.FORMATS, default="csv")
        parser.add_argument("--q", help="search terms")
        parser.add_argument("--status")
        parser.add_argument("--country", help="ISO code of the country of origin")
        parser.add_argument("--agency", help="code of the owning agency")
        parser.add_argument("--out", help="output file (default: standard output)")

    def handle(self, *args, **opts):
        user = get_user_model().objects.filter(username=opts["user"], is_active=True).select_related("agency").first()
        if user is None:
            raise CommandError(f"no active user «{opts['user']}»")
        filters = {k: v for k, v in {"q": opts["q"], "status": opts["status"], "origin_country": opts["country"],
                                      "agency": opts["agency"]}.items() if v}
        with acting_as(user, via="cli"):
            if opts["out"]:
                with open(opts["out"], "w", encoding="utf-8", newline="") as out:
                    count = exporter.export(user, opts["format"], out, filters=filters)
            else:
                count = exporter.export(user, opts["format"], _Unterminated(self.stdout), filters=filters)
        sys.stderr.write(f"{count} records exported\n")


class _Unterminated:
    """The command's stdout without the newline Django's OutputWrapper adds to every write."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text):
        self.wrapper.write(text, ending="")
