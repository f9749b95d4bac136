"""The register's web pages: search, object page, images, create/edit and status changes.

Every record comes through `CulturalObject.objects.restrict(user, …)`: a record the user may not
see — or may see but not change, on the edit pages — answers 404, never 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from turath.core import audit
from turath.core.countries import country_name
from turath.core.errors import DomainError, EditConflict
from turath.core.forms import add_domain_error, message_domain_error
from turath.core.models import Agency
from turath.core.parsing import is_id, parse_id
from turath.core.permissions import AUDIT, Sharing, can_add, permits
from turath.vocabulary.models import Concept

from . import links, services
from .facets import FACETS
from .forms import ObjectForm, StatusForm
from .images import add_image, image_response
from .models import CulturalObject, ObjectImage, ObjectStatus, StatusChange
from .search import ORDERS, RANK_LIMIT, search_objects

PAGE_SIZE = 20
FACET_TITLES = {
    "object_type": gettext_lazy("Type of object"),
    "material": gettext_lazy("Material"),
    "origin_country": gettext_lazy("Country of origin"),
    "status": gettext_lazy("Status"),
    "period": gettext_lazy("Period"),
    "owning_agency": gettext_lazy("Owning agency"),
}
ORDER_LABELS = {
    "relevance": gettext_lazy("Relevance"),
    "-updated": gettext_lazy("Recently updated"),
    "updated": gettext_lazy("Least recently updated"),
    "record_number": gettext_lazy("Record number"),
    "-record_number": gettext_lazy("Record number (descending)"),
}


def _lang() -> str:
    return (translation.get_language() or "en")[:2]


def _selected_labels(filters: dict[str, list[str]], lang: str) -> dict[tuple[str, str], str]:
    """Labels of chosen filter values (for chips, and for chosen values no longer counted)."""
    labels: dict[tuple[str, str], str] = {}
    concept_ids = [parse_id(v) for key in ("object_type", "material", "period") for v in filters.get(key, []) if is_id(v)]
    concepts = {str(c.pk): c.label(lang) for c in Concept.objects.filter(pk__in=concept_ids)} if concept_ids else {}
    agency_codes = filters.get("owning_agency", [])
    agencies = {}
    if agency_codes:
        for agency in Agency.objects.filter(code__in=agency_codes):
            agencies[agency.code] = agency.name(lang)
    statuses = dict(ObjectStatus.choices)
    for key, values in filters.items():
        for value in values:
            if key in ("object_type", "material", "period"):
                labels[(key, value)] = concepts.get(value, value)
            elif key == "origin_country":
                labels[(key, value)] = country_name(value, lang)
            elif key == "status":
                labels[(key, value)] = str(statuses.get(value, value))
            else:
                labels[(key, value)] = agencies.get(value, value)
    return labels


@require_GET
def object_list(request):
    lang = _lang()
    q = request.GET.get("q", "").strip()[:300]
    filters = {key: [v for v in request.GET.getlist(key) if v.strip()][:20] for key in FACETS}
    filters = {k: v for k, v in filters.items() if v}
    order = request.GET.get("order", "relevance")
    if order not in ORDERS:
        order = "relevance"
    result = search_objects(request.user, q, filters, order=order, lang=lang).related(
        select=("object_type", "owning_agency"),
        prefetch=(Prefetch("images", queryset=ObjectImage.objects.order_by("position", "id")),))
    page = Paginator(result, PAGE_SIZE).get_page(request.GET.get("page"))

    chosen = _selected_labels(filters, lang) if filters else {}
    facet_groups = []
    for key, items in result.facets(lang).items():
        values = [(value, label, count, value in filters.get(key, [])) for value, label, count in items]
        counted = {value for value, *_rest in items}
        values += [(value, chosen[(key, value)], 0, True) for value in filters.get(key, []) if value not in counted]
        if values:
            facet_groups.append({"key": key, "title": FACET_TITLES[key], "values": values,
                                 "open": bool(filters.get(key)) or len(values) <= 8})
    chips = [{"key": key, "value": value, "label": chosen[(key, value)], "title": FACET_TITLES[key]}
             for key, values in filters.items() for value in values]
    return render(request, "register/object_list.html", {
        "nav": "register", "q": q, "page": page, "facet_groups": facet_groups, "chips": chips,
        "total": page.paginator.count, "order": order, "orders": ORDER_LABELS.items(),
        "unranked": result.unranked, "rank_limit": RANK_LIMIT,
    })


def _detail_queryset():
    return CulturalObject.objects.select_related("object_type", "period", "owning_agency", "created_by").prefetch_related(
        "object_type__broader", "materials", "techniques", "measurements", "inscriptions",
        Prefetch("images", queryset=ObjectImage.objects.order_by("position", "id")),
        Prefetch("status_history", queryset=StatusChange.objects.select_related("by__agency").order_by("at", "id")),
    )


def _visible(request, record_number, action="view"):
    try:
        return _detail_queryset().restrict(request.user, action).get(record_number=record_number)
    except CulturalObject.DoesNotExist:
        raise Http404 from None


@require_GET
def object_detail(request, record_number):
    obj = _visible(request, record_number)
    if obj.sharing != Sharing.PUBLIC:
        # Who looked at a restricted record is itself part of the record's protection.
        audit.record("register.object.view", obj)
    editable = CulturalObject.objects.restrict(request.user, "change").filter(pk=obj.pk).exists()
    allowed = services.allowed_transitions(request.user, obj) if editable else []
    return render(request, "register/object_detail.html", {
        "nav": "register", "obj": obj, "editable": editable,
        "broader": list(obj.object_type.broader.all()),
        "links": links.links(request.user, obj) if request.user.is_authenticated else [],
        "may_audit": permits(request.user, AUDIT, obj),
        "status_form": StatusForm(allowed=allowed, initial={"version": obj.version}) if allowed else None,
    })


@login_required
@require_GET
def object_audit(request, record_number):
    """Who did what to the record, when, before and after: the audit log's entries about it, for the owning
    agency's editors and the secretariat (CulturalObject.permission_q, action "audit")."""
    obj = _visible(request, record_number, AUDIT)
    return render(request, "register/object_audit.html", {
        "nav": "register", "obj": obj, "entries": services.audit_trail(obj)})


@require_GET
def object_image(request, record_number, sha256, size):
    obj = CulturalObject.objects.get_visible_or_404(request.user, record_number=record_number)
    return image_response(obj, sha256, size)


def _attach_images(request, form, obj) -> bool:
    """The photographs were checked in the form; a failure now (e.g. a full disk) is reported, not lost silently."""
    ok = True
    for name, data in form.checked_images:
        try:
            add_image(request.user, obj, data, name)
        except DomainError as exc:
            message_domain_error(request, exc)
            ok = False
    return ok


@login_required
def object_create(request):
    if not can_add(request.user):
        raise Http404
    form = ObjectForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            obj = services.create_object(request.user, form.record_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            _attach_images(request, form, obj)
            messages.success(request, _("Record %(n)s was created.") % {"n": obj.record_number})
            return redirect("register:object-detail", record_number=obj.record_number)
    return render(request, "register/object_form.html", {"nav": "add", "form": form, "obj": None})


@login_required
def object_edit(request, record_number):
    obj = _visible(request, record_number, "change")
    form = ObjectForm(request.POST or None, request.FILES or None, user=request.user, instance=obj)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            obj = services.update_object(request.user, obj, form.record_data,
                                         expected_version=form.cleaned_data.get("version"))
        except EditConflict as exc:
            current = CulturalObject.objects.get(pk=obj.pk)
            conflict = {"message": str(exc), "version": current.version}
            # The user's input stays in the form; saving again (with the new version) overwrites deliberately.
            data = request.POST.copy()
            data["version"] = current.version
            form = ObjectForm(data, user=request.user, instance=obj)
            form.is_valid()
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            _attach_images(request, form, obj)
            messages.success(request, _("Your changes to %(n)s were saved.") % {"n": obj.record_number})
            return redirect("register:object-detail", record_number=obj.record_number)
    return render(request, "register/object_form.html",
                  {"nav": "register", "form": form, "obj": obj, "conflict": conflict})


@login_required
@require_POST
def object_status(request, record_number):
    obj = _visible(request, record_number, "change")
    form = StatusForm(request.POST, allowed=services.allowed_transitions(request.user, obj))
    if not form.is_valid():
        messages.error(request, _("Choose one of the statuses offered."))
    else:
        try:
            services.change_status(request.user, obj, form.cleaned_data["to_status"], form.cleaned_data["note"],
                                   expected_version=form.cleaned_data.get("version"))
        except DomainError as exc:
            message_domain_error(request, exc)
        else:
            messages.success(request, _("The status is now «%(s)s».")
                             % {"s": ObjectStatus(form.cleaned_data["to_status"]).label})
    return redirect("register:object-detail", record_number=obj.record_number)
