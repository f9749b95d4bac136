import sys

from django.core.management.base import BaseCommand, CommandError

from turath.core.audit import verify_chain
from turath.core.models import AuditEntry


class Command(BaseCommand):
    help = "Audit log: `turath audit verify` checks the hash chain and names the first broken entry."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="recompute every hash in order")

    def handle(self, *args, action, **opts):
        from tqdm import tqdm

        total = AuditEntry.objects.count()
        with tqdm(total=total, unit="entry", disable=not sys.stderr.isatty(), file=sys.stderr) as bar:
            report = verify_chain(progress=bar.update)
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {report.checked} entries verified."))
            return
        raise CommandError(f"Audit chain broken at entry #{report.first_broken}: {report.reason} "
                           f"({report.checked} entries before it verified).")
