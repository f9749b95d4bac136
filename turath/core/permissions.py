"""One mechanism that restricts every query by the user's agency, role and the record's sharing level.

Modelled on NetBox's `RestrictedQuerySet.restrict(user, action)`: lists, detail pages, search,
the API, exports and match results all start from `Model.objects.restrict(user, action)`.
A record outside that queryset does not exist for the user (404, never 403).
"""

from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from .models import LAW_ENFORCEMENT_KINDS, Agency, Role


class Sharing(models.TextChoices):
    AGENCY = "agency", _("Owning agency only")
    NETWORK = "network", _("Law-enforcement network")
    MEMBERS = "members", _("All member agencies")
    PUBLIC = "public", _("Public")


VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"


def _agency(user):
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user.agency


def view_scope(user) -> tuple[tuple[str, ...], int | None]:
    """(sharing levels that reach the user, the user's own agency id or None): the one statement of
    the view rule. view_q turns it into SQL and the search's in-memory columns (register/columns.py)
    into an array mask, so the two always agree. (Superusers bypass it in restrict().)"""
    agency = _agency(user)
    if agency is None:
        return (Sharing.PUBLIC,), None
    levels = (Sharing.PUBLIC, Sharing.MEMBERS)
    if agency.kind in LAW_ENFORCEMENT_KINDS:
        levels += (Sharing.NETWORK,)
    return levels, agency.pk


def sees_everything(user) -> bool:
    return user is not None and getattr(user, "is_superuser", False) and user.is_active


def view_q(user, agency_field: str = "owning_agency", sharing_field: str = "sharing") -> Q:
    """The records a user may see: own agency's, and those shared at a level that reaches them."""
    levels, agency_id = view_scope(user)
    q = Q(**{f"{sharing_field}__in": levels})
    if agency_id is not None:
        q |= Q(**{f"{agency_field}_id": agency_id})
    return q


def change_q(user, agency_field: str = "owning_agency") -> Q:
    """Only the owning agency's editors (and its administrators) change a record."""
    agency = _agency(user)
    if agency is None or not user.has_role(Role.EDITOR):
        return Q(pk__in=[])
    return Q(**{f"{agency_field}_id": agency.pk})


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = VIEW):
        if sees_everything(user):
            return self
        q = self.model.permission_q(user, action)
        return self.filter(q)

    def get_visible_or_404(self, user, action: str = VIEW, **lookup):
        try:
            return self.restrict(user, action).get(**lookup)
        except (self.model.DoesNotExist, ValueError):
            raise Http404 from None


class SharedRecord(models.Model):
    """A record owned by one agency and shared at one level (INTERPOL's contributing-bureau model)."""

    owning_agency = models.ForeignKey(
        Agency, verbose_name=_("owning agency"), on_delete=models.PROTECT, related_name="+"
    )
    sharing = models.CharField(
        _("sharing level"), max_length=10, choices=Sharing.choices, default=Sharing.AGENCY, db_index=True
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def permission_q(cls, user, action: str) -> Q:
        if action == VIEW:
            return view_q(user)
        if action in (CHANGE, DELETE):
            return change_q(user)
        raise ValueError(f"unknown action {action!r}")


def can_add(user) -> bool:
    return _agency(user) is not None and user.has_role(Role.CONTRIBUTOR)
