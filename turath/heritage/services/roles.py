"""Who acts in the procedure: the member state's agency, the secretariat, an assigned evaluator.

Who may *see* a file is Nomination.permission_q (core.permissions); these say who may take a step."""

from turath.core.models import AgencyKind, Role
from turath.core.permissions import agency_of


def is_secretariat(user) -> bool:
    agency = agency_of(user)
    return agency is not None and agency.kind == AgencyKind.SECRETARIAT


def acts_for_state(user, n, role=Role.CONTRIBUTOR) -> bool:
    """The user works for the nominating member state's agency, with at least `role`."""
    return agency_of(user) is not None and user.agency_id == n.owning_agency_id and user.has_role(role)


def acts_for_secretariat(user, n, role=Role.EDITOR) -> bool:
    """The user works for the secretariat, with at least `role`."""
    return is_secretariat(user) and user.has_role(role)


def is_assigned_evaluator(user, n) -> bool:
    """The user evaluates this file and has declared no conflict of interest."""
    return n.assignments.filter(evaluator_id=getattr(user, "pk", None), coi_declared_on__isnull=False,
                                has_conflict=False).exists()


def may_list_in_danger(user) -> bool:
    return is_secretariat(user) and user.has_role(Role.EDITOR)

