"""The evaluation of a submitted file: evaluators and their conflict-of-interest declarations, reports,
requests for more information, the secretariat's recommendation."""


from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from turath.core import audit
from turath.core.errors import NotPermitted, RecordInvalid, TransitionNotAllowed

from ..models import Decision, EvaluationReport, EvaluatorAssignment, InformationRequest, Nomination
from ..models import NominationState as S
from .deadlines import deadline
from .procedure import check_allowed, transition
from .roles import acts_for_secretariat, is_assigned_evaluator


def assign_evaluator(user, n: Nomination, evaluator) -> EvaluatorAssignment:
    if not acts_for_secretariat(user, n) or n.state not in (S.SUBMITTED, S.EVALUATION):
        raise NotPermitted(_("Only the secretariat assigns evaluators to a submitted file."))
    if evaluator.agency_id == n.owning_agency_id or (evaluator.agency and
                                                     evaluator.agency.country in n.place.state_codes):
        raise RecordInvalid(errors={"evaluator": [_("An evaluator may not come from the nominating state.")]})
    with transaction.atomic():
        a, _created = EvaluatorAssignment.objects.get_or_create(nomination=n, evaluator=evaluator)
        audit.record("heritage.nomination.assign", n, after={"evaluator": evaluator.username})
    return a


def declare_conflict_of_interest(user, assignment: EvaluatorAssignment, *, has_conflict: bool, statement: str = ""):
    if assignment.evaluator_id != user.pk:
        raise NotPermitted(_("Only the evaluator makes their own declaration."))
    with transaction.atomic():
        assignment.has_conflict = bool(has_conflict)
        assignment.coi_statement = statement
        assignment.coi_declared_on = timezone.now()
        assignment.save()
        audit.record("heritage.nomination.coi", assignment.nomination,
                     after={"evaluator": user.username, "has_conflict": assignment.has_conflict})
    return assignment


def start_evaluation(user, n, today=None):
    check_allowed(user, n, "start_evaluation")
    if not n.assignments.filter(coi_declared_on__isnull=False, has_conflict=False).exists():
        raise TransitionNotAllowed(_("No assigned evaluator has declared freedom from conflicts of interest."))
    return transition(user, n, "start_evaluation", S.EVALUATION)


def submit_evaluation_report(user, n, *, text: str, recommendation: str) -> EvaluationReport:
    if n.state != S.EVALUATION or not is_assigned_evaluator(user, n):
        raise NotPermitted(_("Only an assigned evaluator without conflict of interest reports, during evaluation."))
    if recommendation not in Decision.values or not text.strip():
        raise RecordInvalid(errors={"report": [_("Give the report text and a recommendation.")]})
    with transaction.atomic():
        report = EvaluationReport.objects.create(nomination=n, evaluator=user, text=text, recommendation=recommendation)
        audit.record("heritage.nomination.report", n, after={"recommendation": recommendation})
    return report


def request_information(user, n, question: str, today=None):
    if not question.strip():
        raise RecordInvalid(errors={"question": [_("Say what information is needed.")]})
    n = transition(user, n, "request_information", S.INFORMATION_REQUESTED, note=question)
    InformationRequest.objects.create(nomination=n, requested_by=user, question=question)
    return n


def provide_information(user, n, answer: str, today=None):
    if not answer.strip():
        raise RecordInvalid(errors={"answer": [_("Give the additional information.")]})
    with transaction.atomic():
        n = transition(user, n, "provide_information", S.EVALUATION, note=answer)
        n.information_requests.filter(answered_on__isnull=True).update(answer=answer, answered_on=timezone.now())
    return n


def recommend(user, n, recommendation: str, text: str = "", today=None):
    today = today or timezone.localdate()
    if recommendation not in Decision.values:
        raise RecordInvalid(errors={"recommendation": [_("Choose inscribe, refer, defer or not inscribe.")]})
    check_allowed(user, n, "recommend")
    if not n.reports.exists():
        raise TransitionNotAllowed(_("No evaluation report has been submitted."))
    cycle = n.cycle_year or today.year
    if today > deadline("documents", cycle).date:
        cycle += 1  # too late for the members to receive the documents before this year's session
    return transition(user, n, "recommend", S.RECOMMENDED, note=text, recommendation=recommendation,
                       recommendation_text=text, cycle_year=cycle)

