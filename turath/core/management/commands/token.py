from django.core.management.base import BaseCommand, CommandError

from turath.core import audit
from turath.core.context import acting_as
from turath.core.models import ApiToken, User


class Command(BaseCommand):
    help = "API tokens: `turath token create USERNAME` prints a new bearer token for that user."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("username")
        create.add_argument("--days", type=int, default=None, help="validity (default TURATH_TOKEN_TTL_DAYS)")
        create.add_argument("--description", default="created on the command line")

    def handle(self, *args, action, username, days, description, **opts):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {username!r}.")
        with acting_as(None, via="cli"):
            token, raw = ApiToken.issue(user, description, days)
            audit.record("token_create", token, object_repr=f"token {token.prefix}… for {username}")
        self.stdout.write(raw)
