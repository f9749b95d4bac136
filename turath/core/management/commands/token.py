from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from turath.core import tokens
from turath.core.context import acting_as
from turath.core.models import ApiToken, TokenScope, User


class Command(BaseCommand):
    help = ("API and feed tokens. `turath token create USERNAME [--expires-in DAYS | --no-expiry] [--scope feed]` "
            "prints a new token; `turath token list USERNAME`; `turath token revoke TOKEN_ID_OR_PREFIX…` "
            "or `turath token revoke --user USERNAME` (all of that user's tokens).")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="print a new token (shown once; only its hash is stored)")
        create.add_argument("username")
        lifetime = create.add_mutually_exclusive_group()
        lifetime.add_argument("--expires-in", "--days", dest="days", type=int, default=None, metavar="DAYS",
                              help="validity in days (default TURATH_TOKEN_TTL_DAYS, or TURATH_FEED_TOKEN_TTL_DAYS "
                                   "for a feed token)")
        lifetime.add_argument("--no-expiry", action="store_true", help="a token that never expires (explicitly)")
        create.add_argument("--scope", choices=[s.value for s in TokenScope], default=TokenScope.API,
                            help="api (default) or feed (reads the user's Atom feeds only)")
        create.add_argument("--name", "--description", dest="name", default="created on the command line")
        listing = sub.add_parser("list", help="a user's tokens: id, prefix, scope, created, last used, expires, state")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="revoke tokens by id or prefix, or all of a user's")
        revoke.add_argument("refs", nargs="*", metavar="TOKEN")
        revoke.add_argument("--user", dest="revoke_user", help="revoke every usable token of this user")

    def handle(self, *args, action, **opts):
        return getattr(self, f"_{action}")(**opts)

    def _user(self, username, active=True):
        qs = User.objects.filter(username=username)
        user = (qs.filter(is_active=True) if active else qs).first()
        if user is None:
            raise CommandError(f"No {'active ' if active else ''}user named {username!r}.")
        return user

    def _create(self, username, days, no_expiry, scope, name, **opts):
        user = self._user(username)
        if days is not None and days <= 0:
            raise CommandError("--expires-in takes a positive number of days; --no-expiry for a token that never expires.")
        with acting_as(None, via="cli"):
            token, raw = tokens.issue(user, name, days=days, no_expiry=no_expiry, scope=scope)
        expiry = f"expires {token.expires:%Y-%m-%d %H:%M} UTC" if token.expires else "never expires"
        self.stderr.write(f"token {token.pk} ({token.scope}) for {username}, {expiry}")
        self.stdout.write(raw)

    def _list(self, username, **opts):
        user = self._user(username, active=False)
        rows = ApiToken.objects.filter(user=user).order_by("-created", "-pk")
        def when(value):
            return f"{value:%Y-%m-%d %H:%M}" if value else "-"
        self.stdout.write(f"{'id':>6}  {'prefix':<13} {'scope':<5} {'created':<16}  {'last used':<16}  "
                          f"{'expires':<16}  {'state':<8} name")
        for t in rows:
            self.stdout.write(f"{t.pk:>6}  {t.prefix + '…':<13} {t.scope:<5} {when(t.created):<16}  "
                              f"{when(t.last_used):<16}  {(when(t.expires) if t.expires else 'never'):<16}  "
                              f"{tokens.state(t):<8} {t.description}")

    def _revoke(self, refs: list[str], revoke_user, **opts):
        if not refs and not revoke_user:
            raise CommandError("Name the tokens to revoke (id or prefix, see `turath token list USER`) or --user USERNAME.")
        with acting_as(None, via="cli"):
            if revoke_user:
                count = tokens.revoke_all(None, self._user(revoke_user, active=False))
                self.stdout.write(f"{count} token(s) of {revoke_user} revoked.")
            for ref in refs:
                q = Q(prefix=ref) | (Q(pk=int(ref)) if ref.isascii() and ref.isdigit() and len(ref) < 19 else Q(pk__in=[]))
                matches = list(ApiToken.objects.filter(q)[:2])
                if len(matches) != 1:
                    raise CommandError(f"No token {ref!r}." if not matches else f"{ref!r} names several tokens; use its id.")
                done = tokens.revoke(None, matches[0])
                self.stdout.write(f"token {matches[0].pk} ({matches[0].prefix}…) "
                                  f"{'revoked' if done else 'was already revoked'}.")
