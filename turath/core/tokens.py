"""API and feed tokens: issue, check, list and revoke (called by the API, the web pages and the CLI).

Two kinds (ApiToken.scope): an `api` token acts as its user on the API and is accepted only in the
`Authorization: Bearer` header; a `feed` token only reads its user's Atom feeds and is the one a feed
URL carries (`?token=trf_…`), because URLs end up in proxy logs, browser history and feed readers'
settings. An API token in a query string is refused everywhere. Every token expires unless it was
created explicitly without expiry; revoked tokens stay listed, refused.
"""

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .models import ApiToken, TokenScope

QUERY_PARAMETERS = ("token", "access_token")


class TokenRefused(Exception):
    """A token that does not authenticate; the message says why (safe to show to the client)."""


def issue(user, name: str = "", *, days: int | None = None, no_expiry: bool = False,
          scope: str = TokenScope.API) -> tuple[ApiToken, str]:
    """A new token for `user` and its raw value, which is shown once and never stored. Audited."""
    with transaction.atomic():
        token, raw = ApiToken.issue(user, name, days, no_expiry=no_expiry, scope=scope)
        audit.record("core.apitoken.create", token, object_repr=f"{token.prefix}… ({token.scope}) of {user.username}",
                     after={"user": user.username, "scope": token.scope, "name": name,
                            "expires": token.expires.isoformat() if token.expires else None})
    return token, raw


def _revocable(actor):
    # actor None: the command line, run by the server's operator, who may revoke any token.
    return ApiToken.objects.all() if actor is None else ApiToken.objects.restrict(actor, "change")


def revoke(actor, token: ApiToken) -> bool:
    """Revoke a token `actor` may revoke (their own, or as agency administrator their agency's
    people's); a token outside that is a 404. False when it was already revoked. Audited."""
    with transaction.atomic():
        token = _revocable(actor).select_for_update().select_related("user").filter(pk=token.pk).first()
        if token is None:
            raise Http404
        if token.revoked is not None:
            return False
        token.revoked, token.revoked_by = timezone.now(), actor if getattr(actor, "pk", None) else None
        token.save(update_fields=["revoked", "revoked_by"])
        audit.record("core.apitoken.revoke", token, object_repr=f"{token.prefix}… ({token.scope}) of {token.user.username}",
                     after={"user": token.user.username, "scope": token.scope})
    return True


def revoke_all(actor, user) -> int:
    """Revoke every usable token of `user` that `actor` may revoke; how many were revoked."""
    ids = list(_revocable(actor).filter(user=user).usable().values_list("pk", flat=True))
    return sum(revoke(actor, ApiToken(pk=pk)) for pk in ids)


def state(token: ApiToken) -> str:
    if token.is_revoked:
        return "revoked"
    return "expired" if token.is_expired else "active"


def check(raw: str, scope: str) -> ApiToken:
    """The usable token `raw` for a request that needs `scope`, or TokenRefused saying why."""
    token = ApiToken.objects.select_related("user", "user__agency").filter(key_hash=ApiToken.hash(raw)).first()
    if token is None:
        raise TokenRefused(_("Invalid token."))
    if token.is_revoked:
        raise TokenRefused(_("Token revoked."))
    if token.is_expired:
        raise TokenRefused(_("Token expired on %(date)s; ask for a new one.")
                           % {"date": token.expires.strftime("%Y-%m-%d %H:%M UTC")})
    if not token.user.is_active:
        raise TokenRefused(_("User inactive."))
    if token.scope != scope and not (scope == TokenScope.FEED and token.scope == TokenScope.API):
        # A feed token reads feeds only. (An API token may read a feed, from the Authorization header.)
        raise TokenRefused(_("This is a feed token: it only reads Atom feeds."))
    now = timezone.now()
    if token.last_used is None or (now - token.last_used).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
    return token


def token_in_query(request) -> str:
    for name in QUERY_PARAMETERS:
        if request.GET.get(name):
            return request.GET[name]
    return ""


def feed_reader(request):
    """Who reads a feed: a feed token in `?token=`, any token in `Authorization: Bearer`, else the
    signed-in user; None without any. TokenRefused for a bad token and for an API token in the URL."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return check(header[7:].strip(), TokenScope.FEED).user
    raw = token_in_query(request)
    if raw:
        token = check(raw, TokenScope.FEED)
        if token.scope != TokenScope.FEED:
            raise TokenRefused(_("API tokens are not accepted in a URL. Use a feed link (Account → Tokens) "
                                 "or send the token in the Authorization header."))
        return token.user
    return request.user if request.user.is_authenticated else None


def feed_url(agency_code: str, raw: str) -> str:
    """The absolute feed URL to give a feed reader: it carries a feed token, never an API token."""
    if not raw.startswith(ApiToken.FEED_PREFIX):
        raise ValueError("a feed URL carries a feed token")
    return f"{settings.TURATH_BASE_URL.rstrip('/')}{reverse('cases:alert-feed', args=[agency_code])}?token={raw}"
