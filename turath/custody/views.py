"""Custody pages: holdings and facilities, object entry and its printable label, the custody chain
of an object with movement, condition, transfer and exit forms. Everything through `restrict(user)`."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from turath.core.errors import DomainError
from turath.core.forms import TextLimits, add_domain_error, message_domain_error
from turath.core.models import Agency
from turath.register.models import CulturalObject

from . import services
from .models import ConditionGrade, ExitKind, Holding, ObjectEntry, StorageFacility

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"})


class FacilityForm(TextLimits, forms.Form):
    code = forms.SlugField(label=gettext_lazy("code"), max_length=40)
    name = forms.CharField(label=gettext_lazy("name"), max_length=200)
    address = forms.CharField(label=gettext_lazy("address"), max_length=300, required=False)


class LocationForm(TextLimits, forms.Form):
    code = forms.CharField(label=gettext_lazy("code (building/room/shelf)"), max_length=120)
    name = forms.CharField(label=gettext_lazy("description"), max_length=200, required=False)


def _location_field(user):
    return forms.ChoiceField(label=gettext_lazy("location"), choices=[
        (loc.pk, str(loc)) for loc in services.locations_for(user)])


class EntryForm(TextLimits, forms.Form):
    object = forms.CharField(label=gettext_lazy("object (record number)"))
    at = forms.CharField(label=gettext_lazy("date and time"), widget=DATETIME)
    reason = forms.ChoiceField(label=gettext_lazy("reason"), choices=ObjectEntry.Reason.choices)
    depositor = forms.CharField(label=gettext_lazy("deposited by"), required=False)
    note = forms.CharField(label=gettext_lazy("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"] = _location_field(user)


class MoveForm(TextLimits, forms.Form):
    at = forms.CharField(label=gettext_lazy("date and time"), widget=DATETIME)
    moved_by = forms.CharField(label=gettext_lazy("moved by"))
    reason = forms.CharField(label=gettext_lazy("reason"))
    authorised_by = forms.CharField(label=gettext_lazy("authorised by"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_location"] = _location_field(user)
        self.fields["to_location"].label = gettext_lazy("to")


class ConditionForm(TextLimits, forms.Form):
    at = forms.CharField(label=gettext_lazy("date and time"), widget=DATETIME)
    grade = forms.ChoiceField(label=gettext_lazy("condition"), choices=ConditionGrade.choices)
    checked_by = forms.CharField(label=gettext_lazy("checked by"))
    next_check_due = forms.CharField(label=gettext_lazy("next check due"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=gettext_lazy("notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    photos = forms.FileField(label=gettext_lazy("photos"), required=False)


class ExitForm(TextLimits, forms.Form):
    at = forms.CharField(label=gettext_lazy("date and time"), widget=DATETIME)
    kind = forms.ChoiceField(label=gettext_lazy("kind of exit"), choices=ExitKind.choices)
    recipient = forms.CharField(label=gettext_lazy("recipient"))
    authorised_by = forms.CharField(label=gettext_lazy("authorised by"))
    reference = forms.CharField(label=gettext_lazy("reference (decision, agreement)"), required=False)


class TransferForm(TextLimits, forms.Form):
    to_agency = forms.ChoiceField(label=gettext_lazy("receiving agency"))
    reason = forms.CharField(label=gettext_lazy("reason"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_agency"].choices = [(a.code, str(a)) for a in Agency.objects.exclude(pk=user.agency_id)]


@login_required
def index(request):
    user = request.user
    form = FacilityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            facility = services.create_facility(user, form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect("custody:facility", pk=facility.pk)
    return render(request, "custody/index.html", {
        "nav": "custody", "facilities": services.facilities_for(user),
        "holdings": services.visible_holdings(user).filter(exited__isnull=True),
        "transfers": services.transfers_for(user) if user.agency_id else [], "form": form,
        "overdue": services.overdue_checks(user.agency) if user.agency_id else []})


@login_required
def facility(request, pk):
    fac = StorageFacility.objects.restrict(request.user).filter(pk=pk).first()
    if fac is None:
        raise Http404
    form = LocationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_location(request.user, fac, form.cleaned_data["code"], form.cleaned_data["name"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect("custody:facility", pk=pk)
    return render(request, "custody/facility.html", {
        "nav": "custody", "facility": fac, "form": form,
        "locations": fac.locations.prefetch_related("holdings__object")})


def _visible_object(user, record_number):
    obj = CulturalObject.objects.restrict(user).filter(record_number=record_number).first()
    if obj is None:
        raise Http404
    return obj


@login_required
def entry_create(request):
    form = EntryForm(request.POST or None, user=request.user, initial={"object": request.GET.get("object", "")})
    if request.method == "POST" and form.is_valid():
        obj = CulturalObject.objects.restrict(request.user).filter(record_number=form.cleaned_data["object"]).first()
        if obj is None:
            form.add_error("object", _("Unknown record."))
        else:
            try:
                entry = services.enter_object(request.user, obj, form.cleaned_data)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("Entry %(n)s was recorded.") % {"n": entry.entry_number})
                return redirect("custody:object", record_number=obj.record_number)
    return render(request, "cases/form.html", {"nav": "custody", "form": form, "title": _("Object entry")})


@login_required
@require_GET
def label(request, pk):
    entry = ObjectEntry.objects.restrict(request.user).select_related("object__object_type", "location__facility",
                                                                       "agency").filter(pk=pk).first()
    if entry is None:
        raise Http404
    url = request.build_absolute_uri(reverse("register:object-detail", args=[entry.object.record_number]))
    return render(request, "custody/label.html", {"entry": entry, "url": url,
                                                  "qr": mark_safe(services.label_qr_svg(url))})  # noqa: S308


@login_required
def object_custody(request, record_number):
    obj = _visible_object(request.user, record_number)
    items = services.chain(request.user, obj)
    # Where the object is now is the custodian's to know (a former custodian sees its own history only).
    holding = Holding.objects.restrict(request.user).filter(object=obj).select_related(
        "location__facility", "entry", "custodian").first()
    ours = holding is not None and holding.custodian_id == request.user.agency_id
    if not items and not ours:
        raise Http404  # no custody history this user may see
    kind = request.POST.get("form") if request.method == "POST" else None
    forms_ = {
        "move": MoveForm(request.POST if kind == "move" else None, user=request.user),
        "condition": ConditionForm(request.POST if kind == "condition" else None,
                                   request.FILES if kind == "condition" else None),
        "exit": ExitForm(request.POST if kind == "exit" else None),
        "transfer": TransferForm(request.POST if kind == "transfer" else None, user=request.user),
    }
    if kind in forms_ and forms_[kind].is_valid():
        form, data = forms_[kind], dict(forms_[kind].cleaned_data)
        try:
            if kind == "move":
                services.move_object(request.user, obj, data)
            elif kind == "condition":
                photo = data.pop("photos", None)
                services.check_condition(request.user, obj, data,
                                         photos=[(photo.name, photo.read())] if photo else [])
            elif kind == "exit":
                services.exit_object(request.user, obj, data)
            else:
                services.request_transfer(request.user, obj, Agency.objects.get(code=data["to_agency"]), data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Recorded."))
            return redirect("custody:object", record_number=record_number)
    return render(request, "custody/object.html", {"nav": "custody", "obj": obj, "items": items, "holding": holding,
                                                   "ours": ours and holding.in_custody, "forms": forms_})


@login_required
@require_POST
def transfer_step(request, pk, step):
    transfer = services.transfers_for(request.user).filter(pk=pk).first()
    if transfer is None:
        raise Http404
    try:
        if step == "acknowledge":
            services.acknowledge_transfer(request.user, transfer, accept=True)
        elif step == "decline":
            services.acknowledge_transfer(request.user, transfer, accept=False)
        elif step == "complete":
            services.complete_transfer(request.user, transfer)
        else:
            raise Http404
        messages.success(request, _("Recorded."))
    except DomainError as exc:
        message_domain_error(request, exc)
    return redirect("custody:index")



