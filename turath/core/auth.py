"""Signing in: throttling and temporary lockout of failed sign-ins, per account name and per client.

Every password check goes through `ThrottledModelBackend` (settings.AUTHENTICATION_BACKENDS), so the
web sign-in, the admin's sign-in and any other `authenticate()` call share one rule:

- a failure counts against the account name typed (whether that account exists or not: the
  answers never tell) and against the client's address, within a window;
- at the threshold (settings TURATH_LOGIN_MAX_FAILURES_PER_ACCOUNT / _PER_CLIENT) the name or the
  address is locked out for TURATH_LOGIN_LOCKOUT_SECONDS: even the right password is refused;
- a successful sign-in clears the account's count (not the address's: one valid account must not
  reset the count of an address that is guessing others' passwords);
- failures and lockouts are written to the audit log; attempts refused during a lockout are not
  (the lockout entry already says it, and a flood of them would only fill the log).

The API has no password path: it authenticates with bearer tokens (core.api) or the web session.
"""

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import ngettext

from . import audit
from .models import LoginThrottle

KEY_MAX = 254


def client_address(request) -> str:
    """The client's IP address: REMOTE_ADDR, or with TURATH_TRUSTED_PROXIES = n the n-th address from
    the end of X-Forwarded-For (the one the nearest trusted proxy appended; earlier ones are forgeable)."""
    if request is None:
        return ""
    address = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.TURATH_TRUSTED_PROXIES
    if proxies > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:KEY_MAX]
    if ip.version == 6:  # one client usually holds a whole /64
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def account_key(username) -> str:
    return str(username or "").strip().lower()[:KEY_MAX]


@dataclass
class Lockout:
    until: datetime

    @property
    def minutes(self) -> int:
        return max(1, math.ceil((self.until - timezone.now()).total_seconds() / 60))

    def message(self) -> str:
        # The same words whether the name exists, whether the name or the address is locked.
        return ngettext(
            "Too many failed sign-in attempts. Signing in is paused; try again in %(minutes)d minute.",
            "Too many failed sign-in attempts. Signing in is paused; try again in %(minutes)d minutes.",
            self.minutes) % {"minutes": self.minutes}


def _keys(request, username) -> list[tuple[str, str, int]]:
    keys = [(LoginThrottle.ACCOUNT, account_key(username), settings.TURATH_LOGIN_MAX_FAILURES_PER_ACCOUNT)]
    address = client_address(request)
    if address:
        keys.append((LoginThrottle.CLIENT, address, settings.TURATH_LOGIN_MAX_FAILURES_PER_CLIENT))
    return keys


def lockout(request, username) -> Lockout | None:
    """The lockout in force for this account name or this client, the longer one if both."""
    now = timezone.now()
    q = Q()
    for kind, key, _limit in _keys(request, username):
        q |= Q(kind=kind, key=key)
    until = (LoginThrottle.objects.filter(q, locked_until__gt=now)
             .order_by("-locked_until").values_list("locked_until", flat=True).first())
    return Lockout(until) if until else None


def count(kind: str, key: str, limit: int) -> tuple[int, bool]:
    """Count one event against (kind, key) in the current window: (events in the window, whether this
    one reached the limit and locked the key). A window or a lockout that is over starts afresh."""
    now = timezone.now()
    window = timedelta(seconds=settings.TURATH_LOGIN_FAILURE_WINDOW_SECONDS)
    with transaction.atomic():
        row, _created = LoginThrottle.objects.select_for_update().get_or_create(kind=kind, key=key)
        if (row.locked_until is not None and row.locked_until <= now) or (
                row.locked_until is None and row.window_start <= now - window):
            row.failures, row.window_start, row.locked_until = 0, now, None
        row.failures += 1
        locked = row.locked_until is None and row.failures >= limit
        if locked:
            row.locked_until = now + timedelta(seconds=settings.TURATH_LOGIN_LOCKOUT_SECONDS)
        row.save()
    return row.failures, locked


def _forget_expired():
    """Rows whose window and lockout are both over carry no information any more."""
    now = timezone.now()
    window = timedelta(seconds=settings.TURATH_LOGIN_FAILURE_WINDOW_SECONDS)
    LoginThrottle.objects.filter(window_start__lte=now - window).filter(
        Q(locked_until__isnull=True) | Q(locked_until__lte=now)).delete()


def record_failure(request, username):
    """Count a failed sign-in against the name and the client; audit it, and the lockout it causes."""
    if lockout(request, username) is not None:
        return  # refused during a lockout: not counted again, not audited again
    _forget_expired()
    address = client_address(request)
    user = get_user_model().objects.filter(username=username).first() if username else None
    with transaction.atomic():
        for kind, key, limit in _keys(request, username):
            failures, locked = count(kind, key, limit)
            if kind == LoginThrottle.ACCOUNT:
                audit.record("core.user.login_failed", user=AnonymousUser(), object_type="core.user",
                             object_id=getattr(user, "pk", ""),
                             object_repr=str(username or "")[:150], after={"client": address, "failures": failures})
            if locked:
                audit.record("core.user.locked_out", user=AnonymousUser(), object_type="core.user" if kind == LoginThrottle.ACCOUNT else "client",
                             object_id=getattr(user, "pk", "") if kind == LoginThrottle.ACCOUNT else key,
                             object_repr=key, after={"by": kind, "client": address, "failures": failures,
                                                     "seconds": settings.TURATH_LOGIN_LOCKOUT_SECONDS})


def clear_account(username):
    LoginThrottle.objects.filter(kind=LoginThrottle.ACCOUNT, key=account_key(username)).delete()


class ThrottledModelBackend(ModelBackend):
    """Django's password check, refused outright while the account name or the client is locked out."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if lockout(request, username) is not None:
            raise PermissionDenied  # authenticate() stops here: no other backend, no password check
        return super().authenticate(request, username=username, password=password, **kwargs)


class ThrottledAuthenticationMixin:
    """For sign-in forms: say a lockout is in force instead of "wrong name or password"."""

    def clean(self):
        found = lockout(self.request, self.cleaned_data.get("username"))
        if found is not None:
            raise forms.ValidationError(found.message(), code="locked_out")
        try:
            return super().clean()
        except forms.ValidationError:
            found = lockout(self.request, self.cleaned_data.get("username"))  # this failure may have locked it
            if found is not None:
                raise forms.ValidationError(found.message(), code="locked_out") from None
            raise


class LoginForm(ThrottledAuthenticationMixin, AuthenticationForm):
    pass


@receiver(user_login_failed, dispatch_uid="turath.core.auth.failed")
def _on_failed(sender, credentials, request=None, **kwargs):
    username = credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username")
    record_failure(request, username)


@receiver(user_logged_in, dispatch_uid="turath.core.auth.logged_in")
def _on_logged_in(sender, request, user, **kwargs):
    clear_account(user.get_username())
    audit.record("core.user.login", user, user=user, after={"client": client_address(request)})
