"""The nomination procedure: allowed and refused transitions, who may act, deadlines, visibility."""

import datetime

import pytest

from turath.core.errors import NotPermitted, RecordInvalid, TransitionNotAllowed
from turath.core.models import AuditEntry, User
from turath.heritage import services
from turath.heritage.models import AttachmentKind, Criterion, Inscription, Nomination
from turath.heritage.models import NominationState as S

from .factories import organization_list, place, square

D = datetime.date


@pytest.fixture
def evaluator(agencies):
    return User.objects.create_user("evaluator_ma", password="x-Turath-2026", agency=agencies["ma_museum"],
                                    role="viewer")


@pytest.fixture
def prelim(users, actor):
    """An Egyptian place entered on the organization's preliminary list on 1 March 2026."""
    author = users["eg_ministry_contributor"]
    p = place(author, criteria_justification={"(iv)": {"lang": "en", "text": "Outstanding Ayyubid military "
                                                                              "architecture"}})
    crit = Criterion.objects.get(criteria_set__key="organization", code="(iv)")
    with actor(author):
        return services.create_preliminary_entry(author, p, organization_list(), criteria=[crit],
                                                 today=D(2026, 3, 1))


def complete_file(n):
    n.sections = {key: f"النص — text — texte for {key}" for key in services.SECTIONS}
    n.save()
    for kind in (AttachmentKind.MAPS, AttachmentKind.PHOTOGRAPHS, AttachmentKind.LEGAL_PROTECTION,
                 AttachmentKind.MANAGEMENT_PLAN):
        n.attachments.create(kind=kind, title=f"{kind}.pdf")


def to_evaluation(n, users, evaluator, actor):
    ms, commission = users["eg_ministry_contributor"], users["eg_ministry_agency_admin"]
    sec = users["secretariat_editor"]
    with actor(ms):
        services.start_file(ms, n)
    complete_file(n)
    with actor(commission):
        services.submit(commission, n, today=D(2026, 7, 1))
    with actor(sec):
        a = services.assign_evaluator(sec, n, evaluator)
    with actor(evaluator):
        services.declare_conflict_of_interest(evaluator, a, has_conflict=False, statement="No link to the property")
    with actor(sec):
        services.start_evaluation(sec, n)
    return n


def test_full_procedure_to_inscription(prelim, users, evaluator, actor):
    n = to_evaluation(prelim, users, evaluator, actor)
    assert n.state == S.EVALUATION and n.cycle_year == 2026
    with actor(evaluator):
        services.request_information(evaluator, n, "Please supply the buffer zone map at 1:5000.")
    assert n.state == S.INFORMATION_REQUESTED
    ms = users["eg_ministry_contributor"]
    with actor(ms):
        services.provide_information(ms, n, "خريطة المنطقة العازلة مرفقة")
    assert n.information_requests.get().answered_on is not None
    with actor(evaluator):
        services.submit_evaluation_report(evaluator, n, text="Meets criterion (iv).", recommendation="inscribe")
    sec, admin = users["secretariat_editor"], users["secretariat_admin"]
    with actor(sec):
        services.recommend(sec, n, "inscribe", "Recommend inscription", today=D(2026, 9, 20))
    assert services.allowed_actions(sec, n) == []
    assert services.allowed_actions(admin, n) == ["decide"]
    with actor(admin):
        services.decide(admin, n, "inscribe", code="12 COM 8B.3", text="Inscribes the Citadel on criterion (iv)",
                        today=D(2026, 11, 12))
    n.refresh_from_db()
    assert n.state == S.INSCRIBED and n.decision_code == "12 COM 8B.3"
    inscription = Inscription.objects.get(place=n.place, heritage_list=n.heritage_list)
    assert inscription.status == "final" and inscription.year == 2026
    assert [c.code for c in inscription.criteria.all()] == ["(iv)"]
    actions = list(AuditEntry.objects.filter(object_type="heritage.nomination", object_id=str(n.pk))
                   .values_list("action", flat=True))
    for step in ("enter_preliminary", "start_file", "submit", "start_evaluation", "request_information",
                 "provide_information", "recommend", "decide"):
        assert f"heritage.nomination.{step}" in actions
    assert list(AuditEntry.objects.filter(action="heritage.inscription.create").values_list("object_id", flat=True)) \
        == [str(inscription.pk)]
    assert list(n.events.values_list("to_state", flat=True))[-1] == S.INSCRIBED


def test_refused_transitions(prelim, users, evaluator, actor):
    n = prelim
    ms, commission = users["eg_ministry_contributor"], users["eg_ministry_agency_admin"]
    with pytest.raises(TransitionNotAllowed):
        services.submit(commission, n)  # still only on the preliminary list
    with actor(ms):
        services.start_file(ms, n)
    complete_file(n)
    with pytest.raises(NotPermitted):
        services.submit(ms, n, today=D(2026, 7, 1))  # a contributor is not the national commission
    with pytest.raises(NotPermitted):
        services.submit(users["ma_museum_agency_admin"], n, today=D(2026, 7, 1))  # another state's commission
    with actor(commission):
        services.submit(commission, n, today=D(2026, 7, 1))
    sec = users["secretariat_editor"]
    with pytest.raises(TransitionNotAllowed, match="conflicts of interest"):
        services.start_evaluation(sec, n)
    a = services.assign_evaluator(sec, n, evaluator)
    services.declare_conflict_of_interest(evaluator, a, has_conflict=True, statement="Consultant for the site")
    with pytest.raises(TransitionNotAllowed):
        services.start_evaluation(sec, n)
    with pytest.raises(NotPermitted):
        services.submit_evaluation_report(evaluator, n, text="x", recommendation="inscribe")
    with pytest.raises(RecordInvalid):  # an Egyptian evaluator for an Egyptian file
        services.assign_evaluator(sec, n, users["eg_customs_viewer"])
    with pytest.raises(TransitionNotAllowed):  # no decision before evaluation and recommendation
        services.decide(users["secretariat_admin"], n, "inscribe", code="x", text="y", today=D(2026, 11, 5))
    with pytest.raises(NotPermitted):  # the member state cannot start the evaluation of its own file
        services.start_evaluation(users["eg_ministry_agency_admin"], n)


def test_completeness_check_lists_what_is_missing(prelim, users, actor):
    ms, commission = users["eg_ministry_contributor"], users["eg_ministry_agency_admin"]
    with actor(ms):
        services.start_file(ms, prelim)
    services.update_sections(ms, prelim, {"identification": "Cairo, Egypt", "description": "وصف القلعة"})
    missing = dict(services.missing_items(prelim))
    assert "section:identification" not in missing and "section:justification" in missing
    assert "attachment:maps" in missing and "attachment:management_plan" in missing
    assert "justification:(iv)" not in missing
    with pytest.raises(RecordInvalid) as exc:
        services.submit(commission, prelim, today=D(2026, 7, 1))
    assert any("Management plan" in m for m in exc.value.errors["file"])
    assert prelim.state == S.DRAFT


def test_decision_only_at_session_and_late_submission_moves_cycle(prelim, users, evaluator, actor):
    n = prelim
    ms, commission = users["eg_ministry_contributor"], users["eg_ministry_agency_admin"]
    with actor(ms):
        services.start_file(ms, n)
    complete_file(n)
    with actor(commission):
        services.submit(commission, n, today=D(2026, 7, 16))  # a day after the 15 July deadline
    assert n.cycle_year == 2027
    sec, admin = users["secretariat_editor"], users["secretariat_admin"]
    a = services.assign_evaluator(sec, n, evaluator)
    services.declare_conflict_of_interest(evaluator, a, has_conflict=False)
    services.start_evaluation(sec, n)
    services.submit_evaluation_report(evaluator, n, text="Refer for boundary revision", recommendation="refer")
    services.recommend(sec, n, "refer", today=D(2027, 9, 30))
    with pytest.raises(TransitionNotAllowed, match="session"):
        services.decide(admin, n, "refer", code="13 COM 8B.1", text="Refers back", today=D(2027, 10, 30))
    services.decide(admin, n, "refer", code="13 COM 8B.1", text="Refers back", today=D(2027, 11, 3))
    assert n.state == S.REFERRED
    assert services.allowed_actions(commission, n) == ["resubmit"]
    assert services.next_deadline(n, D(2027, 11, 20)).key == "notification"
    assert services.next_deadline(n, D(2028, 1, 5)).date == D(2028, 7, 15)


@pytest.mark.parametrize("state,today,key,expected", [
    (S.DRAFT, D(2026, 5, 1), "applications", D(2026, 7, 15)),
    (S.DRAFT, D(2026, 7, 16), "applications", D(2027, 7, 15)),
    (S.SUBMITTED, D(2026, 8, 1), "evaluation_end", D(2026, 9, 15)),
    (S.EVALUATION, D(2026, 9, 20), "documents", D(2026, 10, 15)),
    (S.RECOMMENDED, D(2026, 10, 20), "session_start", D(2026, 11, 1)),
    (S.INSCRIBED, D(2026, 11, 20), "notification", D(2026, 12, 31)),
])
def test_next_deadline(prelim, state, today, key, expected):
    prelim.state, prelim.cycle_year = state, 2026
    d = services.next_deadline(prelim, today)
    assert (d.key, d.date) == (key, expected)


def test_entry_after_15_march_waits_a_year(users, actor):
    author = users["eg_ministry_contributor"]
    p = place(author, name_en="Abu Mena", name_ar="أبو مينا", name_fr="Abou Mena")
    with actor(author):
        n = services.create_preliminary_entry(author, p, organization_list(), today=D(2026, 4, 2))
    assert services.next_deadline(n, D(2026, 5, 1)).date == D(2027, 7, 15)


def test_calendar_is_configuration(prelim):
    from turath.heritage.models import CalendarDeadline

    CalendarDeadline.objects.create(key="applications", month=6, day=30, label_en="Files due (amended)")
    prelim.state = S.DRAFT
    assert services.next_deadline(prelim, D(2026, 5, 1)).date == D(2026, 6, 30)


def test_who_sees_which_files(prelim, users, evaluator, actor, agencies):
    n = prelim
    ms = users["eg_ministry_contributor"]
    with actor(ms):
        services.start_file(ms, n)
    # A Moroccan draft, to check states do not see each other's drafts.
    ma = users["ma_museum_contributor"]
    ma_place = place(ma, name_en="Ksar of Ait-Ben-Haddou", name_ar="قصر آيت بن حدو", name_fr="Ksar d'Aït-Ben-Haddou",
                     states=["MA"], lon=-7.13, lat=31.047, boundary=square(-7.13, 31.047, 0.005))
    with actor(ma):
        ma_n = services.create_preliminary_entry(ma, ma_place, organization_list(), today=D(2026, 2, 1))

    def visible(user):
        return set(Nomination.objects.restrict(user, "view").values_list("pk", flat=True))

    assert visible(ms) == {n.pk}
    assert visible(ma) == {ma_n.pk}
    assert visible(users["secretariat_admin"]) == set()  # drafts are the member state's own
    assert visible(evaluator) == {ma_n.pk}  # the evaluator's agency owns this one; nothing assigned yet
    assert visible(users["eg_customs_editor"]) == set()
    assert visible(None) == set()
    complete_file(n)
    services.submit(users["eg_ministry_agency_admin"], n, today=D(2026, 7, 1))
    assert visible(users["secretariat_viewer"]) == {n.pk}
    other_evaluator = User.objects.create_user("evaluator_sa", password="x-Turath-2026", agency=agencies["ma_police"])
    services.assign_evaluator(users["secretariat_editor"], n, other_evaluator)
    assert visible(other_evaluator) == {n.pk}
    assert visible(evaluator) == {ma_n.pk}
