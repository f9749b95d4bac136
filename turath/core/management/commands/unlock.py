from django.core.management.base import BaseCommand, CommandError

from turath.core import audit
from turath.core.auth import account_key
from turath.core.context import acting_as
from turath.core.models import LoginThrottle


class Command(BaseCommand):
    help = ("Lift a sign-in lockout before it expires: `turath unlock USERNAME` (the account name) or "
            "`turath unlock --client ADDRESS` (as the lockout's audit entry names it). Audited.")

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?")
        parser.add_argument("--client", help="a client address (IPv6: its /64, as in the audit log)")

    def handle(self, *args, username, client, **opts):
        if not username and not client:
            raise CommandError("Name the account (USERNAME) or the client (--client ADDRESS).")
        keys = []
        if username:
            keys.append((LoginThrottle.ACCOUNT, account_key(username)))
        if client:
            keys.append((LoginThrottle.CLIENT, client.strip()))
        with acting_as(None, via="cli"):
            for kind, key in keys:
                removed, _ = LoginThrottle.objects.filter(kind=kind, key=key).delete()
                if removed:
                    audit.record("core.user.unlocked", object_type="core.user" if kind == LoginThrottle.ACCOUNT else "client",
                                 object_repr=key, after={"by": kind})
                self.stdout.write(f"{kind} {key}: {'failures cleared' if removed else 'nothing to clear'}.")
