"""The nomination procedure as a state machine.

Every step goes through `transition()`, which checks the TRANSITIONS table (from-state, to-state,
who may act), writes a NominationEvent and an audit entry, all in one transaction."""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from turath.core import audit
from turath.core.errors import NotPermitted, TransitionNotAllowed
from turath.core.models import Role

from ..models import Decision, Nomination, NominationEvent
from ..models import NominationState as S
from .roles import acts_for_secretariat, acts_for_state, is_assigned_evaluator


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple
    targets: tuple
    who: object  # callable(user, nomination) -> bool
    who_label: str


TRANSITIONS = {
    t.action: t for t in (
        Transition("start_file", (S.PRELIMINARY,), (S.DRAFT,), acts_for_state,
                   gettext_lazy("the member state's heritage agency")),
        Transition("submit", (S.DRAFT,), (S.SUBMITTED,), lambda u, n: acts_for_state(u, n, Role.AGENCY_ADMIN),
                   gettext_lazy("the national commission (agency administrator)")),
        Transition("start_evaluation", (S.SUBMITTED,), (S.EVALUATION,), acts_for_secretariat,
                   gettext_lazy("the secretariat")),
        Transition("request_information", (S.EVALUATION,), (S.INFORMATION_REQUESTED,),
                   lambda u, n: acts_for_secretariat(u, n) or is_assigned_evaluator(u, n),
                   gettext_lazy("an assigned evaluator or the secretariat")),
        Transition("provide_information", (S.INFORMATION_REQUESTED,), (S.EVALUATION,), acts_for_state,
                   gettext_lazy("the member state's heritage agency")),
        Transition("recommend", (S.EVALUATION,), (S.RECOMMENDED,), acts_for_secretariat, gettext_lazy("the secretariat")),
        Transition("decide", (S.RECOMMENDED,), (S.INSCRIBED, S.REFERRED, S.DEFERRED, S.NOT_INSCRIBED),
                   lambda u, n: acts_for_secretariat(u, n, Role.SECRETARIAT_ADMIN),
                   gettext_lazy("the secretariat administrator recording the committee's decision")),
        Transition("resubmit", (S.REFERRED,), (S.SUBMITTED,), lambda u, n: acts_for_state(u, n, Role.AGENCY_ADMIN),
                   gettext_lazy("the national commission (agency administrator)")),
        Transition("revise", (S.DEFERRED,), (S.DRAFT,), acts_for_state,
                   gettext_lazy("the member state's heritage agency")),
    )
}


DECISION_STATE = {Decision.INSCRIBE: S.INSCRIBED, Decision.REFER: S.REFERRED, Decision.DEFER: S.DEFERRED,
                  Decision.NOT_INSCRIBE: S.NOT_INSCRIBED}


def allowed_actions(user, nomination) -> list[str]:
    """Actions this user may take on this file now (the page shows exactly these)."""
    return [t.action for t in TRANSITIONS.values() if nomination.state in t.sources and t.who(user, nomination)]


def check_allowed(user, n: Nomination, action: str, to_state: str | None = None):
    """Raise unless the action is possible from the file's state and this user may take it."""
    t = TRANSITIONS.get(action)
    if t is None:
        raise TransitionNotAllowed(_("Unknown action «%(a)s».") % {"a": action})
    if n.state not in t.sources or (to_state is not None and to_state not in t.targets):
        raise TransitionNotAllowed(_("«%(a)s» is not possible from «%(s)s».")
                                   % {"a": action, "s": n.get_state_display()})
    if not (getattr(user, "is_superuser", False) or t.who(user, n)):
        raise NotPermitted(_("Only %(who)s may do this.") % {"who": t.who_label})


def transition(user, n: Nomination, action: str, to_state: str, note: str = "", **changes) -> Nomination:
    """Take one step: checked against TRANSITIONS, the file locked and re-read (a step taken meanwhile
    refuses this one), the event and the audit entry written in the same transaction."""
    check_allowed(user, n, action, to_state)
    before = {"state": n.state, "cycle_year": n.cycle_year}
    with transaction.atomic():
        locked = Nomination.objects.select_for_update().get(pk=n.pk)
        if locked.state != n.state:
            raise TransitionNotAllowed(_("The file changed meanwhile; reload it."))
        from_state = n.state
        n.state = to_state
        for field, value in changes.items():
            setattr(n, field, value)
        n.save()
        NominationEvent.objects.create(nomination=n, action=action, from_state=from_state, to_state=to_state,
                                       actor=user if getattr(user, "pk", None) else None, note=note)
        audit.record(f"heritage.nomination.{action}", n, before=before,
                     after={"state": n.state, "cycle_year": n.cycle_year, "note": note})
    return n

