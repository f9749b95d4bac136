"""One mechanism that restricts every query by the user's agency, role and the record's sharing level.

Modelled on NetBox's `RestrictedQuerySet.restrict(user, action)`: lists, detail pages, search,
the API, exports, feeds, alert texts, error messages and match results all start from
`Model.objects.restrict(user, action)`. A record outside that queryset does not exist for the
user (404, never 403).

Each model states its rule once, as the classmethod `permission_q(user, action) -> Q`; a model
whose records belong to another record's (a seized item, a match candidate) composes that
record's rule with `related_q`. `restrict()` is written only here: no queryset overrides it.
Actions: view, change, delete, and `work` for case work (notes, attachments, items,
assignment), which contributors of an agency in the case may do.
"""

from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

# The core models (agencies, roles) are read inside the functions, not imported here: core's own models
# (API tokens) use RestrictedQuerySet, so this module must not import them at load time.


class Sharing(models.TextChoices):
    AGENCY = "agency", _("Owning agency only")
    NETWORK = "network", _("Law-enforcement network")
    MEMBERS = "members", _("All member agencies")
    PUBLIC = "public", _("Public")


VIEW, ADD, CHANGE, DELETE, WORK = "view", "add", "change", "delete", "work"
AUDIT = "audit"  # read a record's audit trail (register.CulturalObject)
LOCATE = "locate"  # learn which agency holds a record, not its content (the secretariat putting agencies in touch)

NOTHING = Q(pk__in=[])


def agency_of(user):
    """The agency an active, signed-in user acts for (None for anonymous, inactive or agency-less
    users): the only place this is worked out."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user.agency


_agency = agency_of


def view_scope(user) -> tuple[tuple[str, ...], int | None]:
    """(sharing levels that reach the user, the user's own agency id or None): the one statement of
    the view rule. view_q turns it into SQL and the search's in-memory columns (register/columns.py)
    into an array mask, so the two always agree. (Superusers bypass it in restrict().)"""
    agency = _agency(user)
    if agency is None:
        return (Sharing.PUBLIC,), None
    from .models import LAW_ENFORCEMENT_KINDS

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


def change_q(user, agency_field: str = "owning_agency", role: str = "editor") -> Q:
    """Only the owning agency's editors (and its administrators) change a record; `role` lowers
    the bar for case work (contributors)."""
    agency = _agency(user)
    if agency is None or not user.has_role(role):
        return NOTHING
    return Q(**{f"{agency_field}_id": agency.pk})


def own_agency_q(user, agency_field: str = "agency") -> Q:
    """Records that belong to the user's agency only (facilities, alerts received, checks made)."""
    agency = _agency(user)
    return NOTHING if agency is None else Q(**{f"{agency_field}_id": agency.pk})


def _prefixed(q: Q, prefix: str) -> Q:
    out = Q()
    out.connector, out.negated = q.connector, q.negated
    out.children = [_prefixed(c, prefix) if isinstance(c, Q) else (f"{prefix}__{c[0]}", c[1])
                    for c in q.children]
    return out


def related_q(model, prefix: str, user, action: str = VIEW) -> Q:
    """`model`'s rule seen through the relation `prefix` (e.g. a seized item is visible where its
    seizure is): the rule stays written once, in `model.permission_q`."""
    return _prefixed(model.permission_q(user, action), prefix)


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = VIEW):
        """The records `user` may `action`: the model's `permission_q` (superusers see everything)."""
        if sees_everything(user):
            return self
        return self.filter(self.model.permission_q(user, action))

    def permits(self, user, action: str, instance) -> bool:
        """Whether `user` may `action` this one record (the same rule as the lists)."""
        return instance is not None and self.restrict(user, action).filter(pk=instance.pk).exists()

    def get_visible_or_404(self, user, action: str = VIEW, **lookup):
        try:
            return self.restrict(user, action).get(**lookup)
        except (self.model.DoesNotExist, ValueError):
            raise Http404 from None


class SharedRecord(models.Model):
    """A record owned by one agency and shared at one level (INTERPOL's contributing-bureau model)."""

    owning_agency = models.ForeignKey(
        "core.Agency", verbose_name=_("owning agency"), on_delete=models.PROTECT, related_name="+"
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
        if action == WORK:
            return change_q(user, role="contributor")
        raise ValueError(f"unknown action {action!r}")


def agency_reader(agency):
    """Whoever reads what is sent to an agency as a whole (an alert e-mail, its feed): a viewer of
    that agency, so it lists what every member may see. Never saved."""
    from .models import Role, User

    return User(agency=agency, role=Role.VIEWER, is_active=True)


def permits(user, action: str, instance) -> bool:
    """Whether `user` may `action` this record, asked of its model's restrict()."""
    return type(instance)._default_manager.permits(user, action, instance)


def can_add(user) -> bool:
    return _agency(user) is not None and user.has_role("contributor")
