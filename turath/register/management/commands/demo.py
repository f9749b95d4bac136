"""`turath demo`: fill the register with synthetic demo data, or print the demo accounts."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from turath.core.models import User
from turath.register.demo import DEFAULT_SEED, DEMO_PASSWORD, DemoError, load_demo, login_table
from turath.register.models import CulturalObject

SYNTHETIC = "The demo data is synthetic: invented records, generated pictures, no real cultural object."


class Command(BaseCommand):
    help = "Load synthetic demo data (agencies, a user of every role, objects with photographs) or print its logins."

    def add_arguments(self, parser):
        parser.add_argument("--objects", type=int, default=2000, help="how many records (default 2000)")
        parser.add_argument("--images-every", type=int, default=4,
                            help="every K-th record gets 1-3 generated photographs (default 4; 0 = none)")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="same seed, same records")
        parser.add_argument("--if-empty", action="store_true", help="do nothing if the register has records")
        parser.add_argument("--print-logins", action="store_true",
                            help="print the demo accounts and their password, load nothing")

    def handle(self, *args, objects, images_every, seed, if_empty, print_logins, **opts):
        if print_logins:
            self._print_logins()
            return
        if objects < 0 or images_every < 0:
            raise CommandError("--objects and --images-every must be 0 or more.")
        existing = CulturalObject.objects.count()
        if if_empty and existing:
            self.stdout.write(f"The register already has {existing} records; no demo data loaded (--if-empty).")
            return
        started = time.monotonic()
        bar = None
        if sys.stderr.isatty():
            from tqdm import tqdm

            bar = tqdm(total=objects, unit="rec", desc="demo records", file=sys.stderr)
        try:
            report = load_demo(objects, images_every, seed, progress=bar.update if bar else None)
        except DemoError as exc:
            raise CommandError(str(exc)) from None
        finally:
            if bar:
                bar.close()
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(
            f"Demo data loaded in {elapsed:.1f} s: {report.agencies} agencies, {report.users} accounts, "
            f"{report.objects} records, {report.status_changes} status changes, {report.images} photographs."))
        self.stdout.write("  by status:  " + ", ".join(f"{k} {v}" for k, v in sorted(report.by_status.items())))
        self.stdout.write("  by sharing: " + ", ".join(f"{k} {v}" for k, v in sorted(report.by_sharing.items())))
        self.stdout.write(SYNTHETIC)
        self.stdout.write("See the accounts with: turath demo --print-logins")

    def _print_logins(self):
        rows = login_table()
        present = set(User.objects.filter(username__in=[r[0] for r in rows]).values_list("username", flat=True))
        header = ("username", "role", "agency", "country")
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
        line = "  ".join(f"{{:<{w}}}" for w in widths)
        self.stdout.write(line.format(*header))
        self.stdout.write(line.format(*("-" * w for w in widths)))
        for row in rows:
            self.stdout.write(line.format(*row))
        self.stdout.write("")
        self.stdout.write(f"Password of every demo account: {DEMO_PASSWORD}")
        self.stdout.write("A shared, published password is acceptable only because these are demo accounts on "
                          "synthetic data; never use them on a real register.")
        self.stdout.write(SYNTHETIC)
        if not present:
            self.stdout.write(self.style.WARNING("The demo accounts do not exist yet: run `turath demo` first."))
