"""Web pages of case work: reports, inbox and feed, seizures and batch entry, restitution, dashboard.

Every case comes through its model's `restrict(user)`: a case the user may not see is a 404.
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from turath.core.errors import DomainError, EditConflict, RecordInvalid
from turath.core.forms import add_domain_error, message_domain_error
from turath.core.models import Agency, User
from turath.core.permissions import WORK, can_add, permits
from turath.core.tokens import TokenRefused, feed_reader
from turath.core.userfiles import user_file_response
from turath.register.models import CulturalObject
from turath.register.services import propose_record_number

from . import services
from .forms import (
    AssignForm,
    AttachmentForm,
    BatchForm,
    HandoverForm,
    JournalForm,
    ReportForm,
    RestitutionForm,
    SeizureForm,
    StepForm,
)
from .models import Alert, Attachment, Report, RestitutionCase, Seizure


def _lang() -> str:
    return (translation.get_language() or "en")[:2]


def _casework_context(request, case, kind):
    officers = []
    if permits(request.user, WORK, case):
        if isinstance(case, RestitutionCase):
            officers = User.objects.filter(is_active=True, agency__country__in=[
                case.holding_agency.country, case.requesting_country]).order_by("username")
        else:
            officers = User.objects.filter(is_active=True, agency=case.owning_agency).order_by("username")
    return {
        "kind": kind,
        "case": case,
        "can_work": permits(request.user, WORK, case),
        "journal": services.journal(case),
        "attachments": services.attachments(case),
        "timeline": services.timeline(request.user, case),
        "journal_form": JournalForm(),
        "attachment_form": AttachmentForm(),
        "assign_form": AssignForm(officers=officers, initial={
            "version": case.version, "assigned_to": getattr(case.assigned_to, "username", ""),
            "due_date": case.due_date.isoformat() if case.due_date else ""}),
        "visible_objects": services.case_objects(request.user, case),
    }


@login_required
@require_GET
def index(request):
    user = request.user
    return render(request, "cases/index.html", {
        "nav": "cases",
        "reports": Report.objects.restrict(user).select_related("owning_agency")[:50],
        "seizures": Seizure.objects.restrict(user).select_related("owning_agency")[:50],
        "restitutions": RestitutionCase.objects.restrict(user).select_related("holding_agency")[:50],
        "can_add": can_add(user),
        "unread": services.inbox(user, unread_only=True).count(),
    })


# ---------------------------------------------------------------- reports

@login_required
def report_create(request):
    if not can_add(request.user):
        raise Http404
    form = ReportForm(request.POST or None, request.FILES or None,
                      initial={"new_object_number": propose_record_number(request.user.agency)})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("objects", "version", "photos")}
        try:
            report = services.create_report(
                request.user, data, objects=form.object_refs(), new_objects=form.new_objects(_lang()),
                photos=[(upload.name, upload.read()) for upload in form.cleaned_data.get("photos") or []],
                photos_of=form.cleaned_data.get("new_object_number"))
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Report %(n)s was saved as a draft.") % {"n": report.number})
            return redirect("cases:report-detail", pk=report.pk)
    return render(request, "cases/form.html", {"nav": "cases", "form": form, "draw_map": True,
                                               "title": _("New theft, loss or looting report")})


@login_required
def report_edit(request, pk):
    report = Report.objects.get_visible_or_404(request.user, pk=pk)
    if not permits(request.user, WORK, report):
        raise Http404
    initial = {f: getattr(report, f) for f in ("kind", "occurred_on", "occurred_until", "discovered_on", "place",
                                               "how_discovered", "circumstances", "police_reference",
                                               "publish_sharing", "version")}
    initial["geometry"] = "" if report.geometry is None else json.dumps(report.geometry)
    form = ReportForm(request.POST or None, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items()
                if k not in ("objects", "version", "new_object_type", "new_object_title", "new_object_number")}
        try:
            services.update_report(request.user, report, data, expected_version=form.cleaned_data.get("version"))
        except EditConflict as exc:
            report.refresh_from_db()
            conflict = str(exc)
            post = request.POST.copy()
            post["version"] = report.version  # saving again deliberately replaces the other edit
            form = ReportForm(post)
            form.is_valid()
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Your changes were saved."))
            return redirect("cases:report-detail", pk=report.pk)
    return render(request, "cases/form.html", {"nav": "cases", "form": form, "conflict": conflict,
                                               "title": _("Edit report %(n)s") % {"n": report.number}})


@login_required
@require_GET
def report_detail(request, pk):
    report = Report.objects.select_related("owning_agency", "validated_by", "assigned_to").get_visible_or_404(
        request.user, pk=pk)
    return render(request, "cases/report_detail.html", {
        "nav": "cases", "report": report, "can_validate": services.may_validate(request.user, report),
        "second_person_needed": report.state == "submitted" and services.second_person_needed(request.user, report),
        **_casework_context(request, report, "report")})


@login_required
@require_POST
def report_action(request, pk, action):
    report = Report.objects.get_visible_or_404(request.user, pk=pk)
    version = request.POST.get("version") or None
    try:
        if action == "submit":
            services.submit_report(request.user, report, expected_version=version)
            messages.success(request, _("The report was submitted for validation."))
        elif action == "validate":
            services.validate_report(request.user, report, expected_version=version)
            messages.success(request, _("The report was validated and published; the network was alerted."))
        else:
            raise Http404
    except DomainError as exc:
        message_domain_error(request, exc)
    return redirect("cases:report-detail", pk=report.pk)


# ---------------------------------------------------------------- alerts

@login_required
@require_GET
def inbox(request):
    unread_only = request.GET.get("unread") == "1"
    alerts = list(services.inbox(request.user, unread_only=unread_only)[:200])
    lang = _lang()
    rows = [(a, services.alert_text(a, lang, request.user)[0], services.alert_target_url(a, request.user))
            for a in alerts]
    return render(request, "cases/inbox.html", {"nav": "inbox", "rows": rows, "unread_only": unread_only,
                                                "agency": request.user.agency})


@login_required
@require_POST
def alert_read(request, pk):
    alert = Alert.objects.restrict(request.user).filter(pk=pk).first()
    if alert is None:
        raise Http404
    services.mark_read(request.user, alert, read=request.POST.get("read", "1") == "1")
    return redirect("cases:inbox")


@require_GET
def alert_feed(request, agency_code):
    """The agency's alerts as Atom, for feed readers: a feed link (`?token=` with a feed token), a
    token in the Authorization header, or the signed-in session of someone in that agency. An API
    token in the URL is refused (core.tokens.feed_reader). Without any, the feed does not exist (404)."""
    try:
        user = feed_reader(request)
    except TokenRefused as exc:
        response = HttpResponse(str(exc), status=401, content_type="text/plain; charset=utf-8")
        response["WWW-Authenticate"] = 'Bearer realm="turath-feed"'
        return response
    agency = Agency.objects.filter(code=agency_code).first()
    if user is None or agency is None or (user.agency_id != agency.pk and not user.is_superuser):
        raise Http404
    lang = request.GET.get("lang") or user.preferred_language or "en"
    body = services.agency_feed(agency, lang if lang in ("ar", "en", "fr") else "en", reader=user)
    response = HttpResponse(body, content_type="application/atom+xml; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- seizures

@login_required
def seizure_create(request):
    if not can_add(request.user):
        raise Http404
    source = request.POST if request.method == "POST" else request.GET
    recognised, check = services.recognised_at_check(request.user, source.get("record"), source.get("check"))
    form = SeizureForm(request.POST or None, initial={"record": recognised.record_number if recognised else "",
                                                      "check": check.uid if check else None})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("version", "record", "check")}
        try:
            if recognised:
                seizure = services.seize_recognised_object(request.user, data, recognised, check=check)
            else:
                seizure = services.create_seizure(request.user, data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            if recognised:
                messages.success(request, _("Seizure %(n)s was recorded; its first item is linked to record %(r)s "
                                            "as the same object.") % {"n": seizure.number, "r": recognised.record_number})
            else:
                messages.success(request, _("Seizure %(n)s was recorded. Now enter the seized items.")
                                 % {"n": seizure.number})
            return redirect("cases:seizure-detail", pk=seizure.pk)
    return render(request, "cases/form.html", {"nav": "cases", "form": form, "title": _("Record a seizure"),
                                               "recognised": recognised})


@login_required
def seizure_detail(request, pk):
    seizure = Seizure.objects.select_related("owning_agency").get_visible_or_404(request.user, pk=pk)
    can_work = permits(request.user, WORK, seizure)
    batch = BatchForm(request.POST or None, request.FILES or None) if can_work else None
    row_errors = []
    if request.method == "POST":
        if not can_work:
            raise Http404
        if batch.is_valid():
            rows = batch.rows()
            try:
                result = services.add_items(request.user, seizure, rows,
                                            accept_valid=batch.cleaned_data.get("accept_valid"))
            except services.BatchInvalid as exc:
                result = exc.result
                messages.error(request, _("Nothing was saved: %(n)d row(s) need correcting (see below).")
                               % {"n": result.failed})
            except DomainError as exc:
                result = None
                message_domain_error(request, exc)
            else:
                messages.success(request, _("%(n)d item(s) were recorded.") % {"n": result.created})
                if not result.failed:
                    return redirect("cases:seizure-detail", pk=seizure.pk)
            if result is not None:
                row_errors = [(rows[e.row - 1]["form_row"], batch.error_label(name), message)
                              for e in result.row_errors for name, message in e.messages()]
    items = services.seizure_items(request.user, seizure)
    return render(request, "cases/seizure_detail.html", {
        "nav": "cases", "seizure": seizure, "items": items, "batch": batch, "row_errors": row_errors,
        "can_publish": Seizure.objects.restrict(request.user, "change").filter(pk=pk).exists(),
        **_casework_context(request, seizure, "seizure")})


@login_required
@require_POST
def seizure_publish(request, pk):
    seizure = Seizure.objects.get_visible_or_404(request.user, pk=pk)
    try:
        services.publish_seizure(request.user, seizure, expected_version=request.POST.get("version") or None)
        messages.success(request, _("The seizure was published; the network was alerted."))
    except DomainError as exc:
        message_domain_error(request, exc)
    return redirect("cases:seizure-detail", pk=pk)


# ---------------------------------------------------------------- restitution

@login_required
def restitution_create(request):
    if not can_add(request.user):
        raise Http404
    form = RestitutionForm(request.POST or None, initial={"holding_agency": request.user.agency.code
                                                          if request.user.agency else ""})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            case = services.open_restitution(request.user, data, objects=form.object_refs())
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Restitution case %(n)s was opened.") % {"n": case.number})
            return redirect("cases:restitution-detail", pk=case.pk)
    return render(request, "cases/form.html", {"nav": "cases", "form": form, "title": _("Open a restitution case")})


@login_required
def restitution_detail(request, pk):
    case = RestitutionCase.objects.select_related("holding_agency").get_visible_or_404(request.user, pk=pk)
    step_form = StepForm(request.POST if request.POST.get("form") == "step" else None)
    handover_form = HandoverForm(request.POST if request.POST.get("form") == "handover" else None,
                                 initial={"version": case.version})
    if request.method == "POST":
        try:
            if request.POST.get("form") == "step" and step_form.is_valid():
                services.add_step(request.user, case, **step_form.cleaned_data)
                messages.success(request, _("The step was recorded."))
                return redirect("cases:restitution-detail", pk=pk)
            if request.POST.get("form") == "handover" and handover_form.is_valid():
                services.record_handover(request.user, case, handover_form.cleaned_data,
                                         expected_version=handover_form.cleaned_data.get("version"))
                messages.success(request, _("The handover was recorded."))
                return redirect("cases:restitution-detail", pk=pk)
        except RecordInvalid as exc:  # next to the fields of the form sent
            add_domain_error(step_form if request.POST.get("form") == "step" else handover_form, exc)
        except DomainError as exc:
            message_domain_error(request, exc)
    is_holder = case.holding_agency_id == request.user.agency_id
    return render(request, "cases/restitution_detail.html", {
        "nav": "cases", "restitution": case, "step_form": step_form,
        "handover_form": handover_form if is_holder and not hasattr(case, "handover") else None,
        "hidden_objects": case.objects_claimed.count() - CulturalObject.objects.restrict(request.user).filter(
            restitutions=case).count(),
        **_casework_context(request, case, "restitution")})


# ---------------------------------------------------------------- case work

def _case_or_404(request, kind, pk):
    return services.get_case(request.user, kind, pk)


def _back(kind, pk):
    return redirect(f"cases:{kind}-detail", pk=pk)


@login_required
@require_POST
def journal_add(request, kind, pk):
    case = _case_or_404(request, kind, pk)
    form = JournalForm(request.POST)
    if form.is_valid():
        try:
            services.add_journal_entry(request.user, case, form.cleaned_data["text"],
                                       on_date=form.cleaned_data.get("on_date") or None,
                                       kind=form.cleaned_data["kind"])
            messages.success(request, _("The note was added."))
        except DomainError as exc:
            message_domain_error(request, exc)
    elif form.data.get("text"):  # a note too long: say so (the limit), not "write it"
        messages.error(request, " ".join(str(m) for ms in form.errors.values() for m in ms))
    else:
        messages.error(request, _("Write the note first."))
    return _back(kind, pk)


@login_required
@require_POST
def attachment_add(request, kind, pk):
    case = _case_or_404(request, kind, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.add_attachment(request.user, case, upload.read(), upload.name, kind=form.cleaned_data["kind"],
                                    caption=form.cleaned_data.get("caption") or "")
            messages.success(request, _("The file was attached."))
        except DomainError as exc:
            message_domain_error(request, exc)
    else:
        messages.error(request, _("Choose a file."))
    return _back(kind, pk)


@login_required
@require_GET
def attachment_file(request, pk):
    att = Attachment.objects.filter(pk=pk).first()
    if att is None:
        raise Http404
    case = att.case
    kind = services.case_kind(case)
    services.get_case(request.user, kind, case.pk)  # 404 unless the case is visible
    if not default_storage.exists(att.file.name):
        raise Http404
    # Only photographs were checked as images at upload; everything else is a download.
    return user_file_response(default_storage.open(att.file.name, "rb"), att.name,
                              checked_image=att.kind == Attachment.Kind.PHOTO)


@login_required
@require_POST
def assign_case(request, kind, pk):
    case = _case_or_404(request, kind, pk)
    officer = request.POST.get("assigned_to") or None
    try:
        services.assign(request.user, case, officer, request.POST.get("due_date") or None,
                        expected_version=request.POST.get("version") or None)
        messages.success(request, _("The assignment was saved."))
    except DomainError as exc:
        message_domain_error(request, exc)
    return _back(kind, pk)


# ---------------------------------------------------------------- dashboard

@login_required
@require_GET
def dashboard(request):
    agency = request.user.agency
    if agency is None:
        raise Http404
    lang = _lang()
    figures = services.dashboard(agency, lang)
    charts = {
        "by_month": mark_safe(services.bar_chart_svg(figures["seizures_by_month"], title=_("Seizures by month"))),  # noqa: S308 - escaped inside
        "by_type": mark_safe(services.bar_chart_svg(figures["seizures_by_type"][:15],  # noqa: S308
                                                    title=_("Seized pieces by type of object"))),
        "custody": mark_safe(services.bar_chart_svg(figures["custody_by_facility"],  # noqa: S308
                                                    title=_("Objects in custody by facility"))),
    }
    network = None
    if agency.kind == "secretariat":
        network = services.network_dashboard(request.user, lang)
        for key, title in (("reports_by_month", _("Theft, loss and looting reports by month")),
                           ("seizures_by_month", _("Seizures by month")),
                           ("restitutions_by_month", _("Restitution requests by month"))):
            charts[f"network_{key}"] = mark_safe(services.bar_chart_svg(network[key], title=title))  # noqa: S308
    return render(request, "cases/dashboard.html", {"nav": "dashboard", "agency": agency, "f": figures,
                                                    "charts": charts, "network": network})
