"""Agencies of member states, the people who work in them, API tokens and the audit log."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .countries import country_name, is_country
from .multilingual import active_lang
from .permissions import RestrictedQuerySet


class AgencyKind(models.TextChoices):
    CUSTOMS = "customs", _("Customs")
    POLICE = "police", _("Police")
    MINISTRY = "ministry", _("Heritage ministry")
    MUSEUM = "museum", _("Museum")
    SECRETARIAT = "secretariat", _("Secretariat of the organization")


# Agencies that belong to the law-enforcement network (INTERPOL-style restricted sharing).
LAW_ENFORCEMENT_KINDS = (AgencyKind.CUSTOMS, AgencyKind.POLICE, AgencyKind.SECRETARIAT)


class Agency(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ar = models.CharField(_("name (Arabic)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=AgencyKind.choices)
    country = models.CharField(_("member state"), max_length=2, help_text=_("ISO 3166-1 alpha-2 code"))
    email = models.EmailField(_("alert e-mail"), blank=True)
    four_eyes_validation = models.BooleanField(
        _("a second person validates reports"), default=True,
        help_text=_("When on, the person who drafted or submitted a report may not also validate it."))

    class Meta:
        ordering = ["country", "code"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self):
        return self.name(active_lang())

    def clean(self):
        if not is_country(self.country):
            raise ValidationError({"country": _("Not an ISO 3166-1 alpha-2 country code.")})
        self.country = self.country.upper()

    def name(self, lang: str = "en") -> str:
        return getattr(self, f"name_{lang}", "") or self.name_en

    def country_name(self, lang: str = "en") -> str:
        return country_name(self.country, lang)

    @property
    def is_law_enforcement(self) -> bool:
        return self.kind in LAW_ENFORCEMENT_KINDS


class Role(models.TextChoices):
    VIEWER = "viewer", _("Viewer")
    CONTRIBUTOR = "contributor", _("Contributor")
    EDITOR = "editor", _("Editor")
    AGENCY_ADMIN = "agency_admin", _("Agency administrator")
    SECRETARIAT_ADMIN = "secretariat_admin", _("Secretariat administrator")


# Roles ordered by what they may do; a higher rank includes the lower ones' rights.
ROLE_RANK = {
    Role.VIEWER: 0,
    Role.CONTRIBUTOR: 1,
    Role.EDITOR: 2,
    Role.AGENCY_ADMIN: 3,
    Role.SECRETARIAT_ADMIN: 4,
}


class User(AbstractUser):
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), null=True, blank=True, on_delete=models.PROTECT, related_name="people"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.VIEWER)
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=settings.LANGUAGES, default="en"
    )

    def has_role(self, role: str) -> bool:
        return self.is_active and ROLE_RANK.get(self.role, -1) >= ROLE_RANK[role]

    @property
    def is_secretariat_admin(self) -> bool:
        return self.is_active and self.role == Role.SECRETARIAT_ADMIN


class TokenScope(models.TextChoices):
    API = "api", _("API (full access as the user)")
    FEED = "feed", _("Feed (read the user's Atom feeds only)")


class ApiTokenQuerySet(RestrictedQuerySet):
    def usable(self):
        """Neither revoked nor expired."""
        return self.filter(revoked__isnull=True).filter(models.Q(expires__isnull=True) | models.Q(expires__gt=timezone.now()))


class ApiToken(models.Model):
    """A bearer token; only its SHA-256 is stored, so a database leak does not leak tokens.

    A token of scope `api` acts as its user on the API (only in the Authorization header); a token
    of scope `feed` only reads the user's Atom feeds and is the one that may appear in a feed URL.
    Revoked tokens are kept (revoked, by whom) so the tokens page and the audit log agree.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    description = models.CharField(_("name"), max_length=200, blank=True)
    scope = models.CharField(_("scope"), max_length=10, choices=TokenScope.choices, default=TokenScope.API)
    created = models.DateTimeField(_("created"), default=timezone.now)
    expires = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = ApiTokenQuerySet.as_manager()

    PREFIX = "trt_"  # API tokens
    FEED_PREFIX = "trf_"  # feed tokens: a secret scanner (or a person) tells them apart

    class Meta:
        ordering = ["-created"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.prefix}… ({self.get_scope_display()})"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, user, description: str = "", days: int | None = None, *, no_expiry: bool = False,
              scope: str = TokenScope.API) -> tuple["ApiToken", str]:
        """A new token and its raw value (shown once). Every token expires (`days`, else the scope's
        default lifetime) unless `no_expiry` asks explicitly for one that never does."""
        if no_expiry and days is not None:
            raise ValueError("a token has either a lifetime or no expiry, not both")
        if days is not None and days <= 0:
            raise ValueError("a token's lifetime is a positive number of days (no_expiry=True for none)")
        if days is None and not no_expiry:
            days = settings.TURATH_FEED_TOKEN_TTL_DAYS if scope == TokenScope.FEED else settings.TURATH_TOKEN_TTL_DAYS
        raw = (cls.FEED_PREFIX if scope == TokenScope.FEED else cls.PREFIX) + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            key_hash=cls.hash(raw),
            prefix=raw[:12],
            description=description,
            scope=scope,
            expires=None if no_expiry else timezone.now() + timedelta(days=days),
        )
        return token, raw

    @property
    def is_expired(self) -> bool:
        return self.expires is not None and self.expires <= timezone.now()

    @property
    def is_revoked(self) -> bool:
        return self.revoked is not None

    @property
    def is_usable(self) -> bool:
        return not self.is_revoked and not self.is_expired

    @classmethod
    def permission_q(cls, user, action: str) -> models.Q:
        """A person sees and revokes their own tokens; an agency's administrators also those of the
        agency's people (the secretariat's administrators are their own agency's administrators)."""
        if action not in ("view", "change", "delete"):
            raise ValueError(f"unknown action {action!r}")
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return models.Q(pk__in=[])
        q = models.Q(user_id=user.pk)
        if user.agency_id is not None and user.has_role(Role.AGENCY_ADMIN):
            q |= models.Q(user__agency_id=user.agency_id)
        return q


class LoginThrottle(models.Model):
    """Failed sign-ins counted per account name and per client address (turath.core.auth).

    One row per key and window: `failures` since `window_start`; at the threshold the key is
    locked until `locked_until`. Rows for names that do not exist are kept the same way, so the
    behaviour never tells whether an account exists. Expired rows are removed as new failures come.
    """

    ACCOUNT, CLIENT, RESET_CLIENT, RESET_ADDRESS = "account", "client", "reset-client", "reset-address"

    kind = models.CharField(max_length=16)
    key = models.CharField(max_length=254)
    failures = models.PositiveIntegerField(default=0)
    window_start = models.DateTimeField(default=timezone.now, db_index=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="core_loginthrottle_kind_key")]

    def __str__(self):
        return f"{self.kind}:{self.key} ({self.failures})"


class AuditEntry(models.Model):
    """One line of the append-only, hash-chained audit log.

    `entry_hash` = SHA-256 of the previous entry's hash and this entry's canonical content,
    so editing or deleting any past entry breaks the chain from that point on. Database
    triggers (see migrations) refuse UPDATE and DELETE on this table. `seq` is the chain's order;
    `at` is when the action happened, which for an entry held back to the end of an import
    (audit.appended_at_end) is earlier than entries other transactions appended meanwhile.
    """

    seq = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    user_id_ref = models.BigIntegerField(null=True, blank=True)
    username = models.CharField(max_length=150, blank=True)
    agency_code = models.CharField(max_length=40, blank=True)
    action = models.CharField(max_length=40, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    request_id = models.CharField(max_length=36, blank=True)  # ours, never the client's
    # The client's X-Request-ID (sanitised, core.middleware), for matching its logs; null when none.
    client_request_id = models.CharField(max_length=64, null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Audit entries are append-only.")
