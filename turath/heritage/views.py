"""Public pages of the heritage lists (no login), the map, the GeoJSON feed and the secretariat's nomination pages.

Every place comes through `HeritagePlace.objects.restrict(user, …)` and every position through
`geo.location_for` (via services.serialize_place / geojson_feature): a sensitive site is shown
to the public at its generalised position only.
"""

import hashlib
import json

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, F, Max, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from turath.core.countries import country_choices, country_name, sort_key
from turath.core.errors import DomainError, RecordInvalid, TransitionNotAllowed
from turath.core.forms import message_domain_error
from turath.core.models import Role
from turath.core.multilingual import show
from turath.core.parsing import parse_number
from turath.core.permissions import Sharing, can_add

from . import geo, risk, services
from .configuration import UNESCO_ATTRIBUTION
from .models import (
    AttachmentKind,
    Category,
    Criterion,
    DangerListing,
    Decision,
    HeritageList,
    HeritagePlace,
    Incident,
    IncidentKind,
    Inscription,
    InscriptionStatus,
    Nomination,
    PlaceState,
    region_label,
)

PAGE_SIZE = 50
FACET_TTL = 60


def _lang() -> str:
    return (translation.get_language() or "en")[:2]


def _ordered_by_name(qs, lang):
    return qs.annotate(sort_name=Coalesce(NullIf(F(f"name_{lang}"), Value("")), F("name_en"), F("name_fr"))) \
        .order_by("sort_name", "pk")


def filtered_places(user, *, hlist=None, status=None, country="", category="", criterion="", danger=False):
    """The places of a list (or of every list) a user may see, narrowed by the browsing filters."""
    inscriptions = Inscription.objects.all()
    if hlist is not None:
        inscriptions = inscriptions.filter(heritage_list=hlist)
    if status:
        inscriptions = inscriptions.filter(status=status)
    if criterion:
        inscriptions = inscriptions.filter(criteria__code=criterion)
    qs = HeritagePlace.objects.restrict(user, "view").filter(pk__in=inscriptions.values("place_id"))
    if country:
        qs = qs.filter(states__country=country.upper())
    if category in Category.values:
        qs = qs.filter(category=category)
    if danger:
        current = DangerListing.objects.filter(year_out__isnull=True)
        if hlist is not None:
            current = current.filter(heritage_list=hlist)
        qs = qs.filter(pk__in=current.values("place_id"))
    return qs


def _cached(user, parts: tuple, compute):
    """Counts for list pages, cached FACET_TTL seconds (the slowest queries of the page on a large list).

    The key carries who is asking (visibility differs by agency) and the newest row ids, so adding
    inscriptions, states or danger listings shows at once; other edits (a place's sharing level, a
    removal) change the shown totals within FACET_TTL seconds — the rows themselves are always live."""
    agency = getattr(user, "agency_id", None) if getattr(user, "is_authenticated", False) else None
    newest = (Inscription.objects.aggregate(m=Max("pk"))["m"], PlaceState.objects.aggregate(m=Max("pk"))["m"],
              DangerListing.objects.aggregate(m=Max("pk"))["m"])
    key = "heritage:" + hashlib.sha256(repr((parts, agency, newest)).encode()).hexdigest()
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, FACET_TTL)
    return value


class _CountedQuerySet:
    """A queryset whose count() comes from the cache, for the paginator."""

    def __init__(self, qs, count):
        self.qs, self._count = qs, count

    def count(self):
        return self._count

    def __len__(self):
        return self._count

    def __getitem__(self, index):
        return self.qs[index]


def _rows(places, hlist, status, lang) -> list[dict]:
    """What each row of a list page shows, from four flat queries (no per-row model instances)."""
    ids = [p.pk for p in places]
    states: dict[int, list[str]] = {}
    for place_id, country in PlaceState.objects.filter(place_id__in=ids).order_by("order").values_list(
            "place_id", "country"):
        states.setdefault(place_id, []).append(country_name(country, lang))
    in_danger = set(DangerListing.objects.filter(place_id__in=ids, year_out__isnull=True)
                    .values_list("place_id", flat=True))
    inscriptions = Inscription.objects.filter(place_id__in=ids)
    if hlist is not None:
        inscriptions = inscriptions.filter(heritage_list=hlist)
    if status:
        inscriptions = inscriptions.filter(status=status)
    shown: dict[int, list[dict]] = {}
    by_id = {}
    for pk, place_id, year in inscriptions.values_list("pk", "place_id", "year"):
        by_id[pk] = {"year": year, "codes": []}
        shown.setdefault(place_id, []).append(by_id[pk])
    through = Inscription.criteria.through.objects.filter(inscription_id__in=list(by_id))
    for inscription_id, code in through.order_by("criterion__order").values_list("inscription_id", "criterion__code"):
        by_id[inscription_id]["codes"].append(code)
    return [{"place": p, "name": p.name(lang), "states": states.get(p.pk, []), "in_danger": p.pk in in_danger,
             "inscriptions": shown.get(p.pk, [])} for p in places]


def _browse(request, *, hlist=None, status=None, danger=False, title=""):
    lang = _lang()
    params = {key: request.GET.get(key, "").strip() for key in ("country", "category", "criterion")}
    base = filtered_places(request.user, hlist=hlist, status=status, danger=danger)
    qs = filtered_places(request.user, hlist=hlist, status=status, danger=danger, **params)
    qs = _ordered_by_name(qs, lang).only("id", "name_ar", "name_en", "name_fr", "category", "attribution")
    parts = (getattr(hlist, "pk", None), status, danger, tuple(sorted(params.items())))
    total = _cached(request.user, ("count", *parts), qs.count)
    page = Paginator(_CountedQuerySet(qs, total), PAGE_SIZE).get_page(request.GET.get("page"))
    counts = _cached(request.user, ("countries", *parts[:3]), lambda: list(
        PlaceState.objects.filter(place__in=base).values("country").annotate(n=Count("place_id"))
        .values_list("country", "n")))
    countries = [(code, country_name(code, lang), n) for code, n in counts]
    countries.sort(key=lambda c: sort_key(c[1]))
    criteria = Criterion.objects.filter(criteria_set=hlist.criteria_set) if hlist else \
        Criterion.objects.filter(criteria_set__key="unesco")
    rows = _rows(list(page.object_list), hlist, status, lang)
    attributions = sorted({r["place"].attribution for r in rows if r["place"].attribution})
    return render(request, "heritage/place_list.html", {
        "nav": "heritage", "title": title, "hlist": hlist, "status": status, "danger": danger, "page": page,
        "rows": rows, "params": params, "countries": countries, "categories": Category.choices,
        "criteria": [(c.code, c.text(lang)) for c in criteria], "attributions": attributions,
        "lang": lang,
        "query": "&".join(f"{k}={v}" for k, v in params.items() if v),
    })


@require_GET
def index(request):
    lang = _lang()
    lists = []
    for hlist in HeritageList.objects.all():
        counts = dict(Inscription.objects.filter(heritage_list=hlist, place__in=HeritagePlace.objects.restrict(
            request.user)).values_list("status").annotate(n=Count("id")))
        lists.append({"list": hlist, "name": hlist.name(lang), "final": counts.get(InscriptionStatus.FINAL, 0),
                      "preliminary": counts.get(InscriptionStatus.PRELIMINARY, 0)})
    in_danger = filtered_places(request.user, danger=True).count()
    return render(request, "heritage/index.html", {"nav": "heritage", "lists": lists, "in_danger": in_danger,
                                                   "may_add": can_add(request.user)})


@require_GET
def place_list(request, key):
    hlist = get_object_or_404(HeritageList, key=key)
    status = request.GET.get("status", InscriptionStatus.FINAL)
    if status not in InscriptionStatus.values or (status == InscriptionStatus.PRELIMINARY and not
                                                 hlist.has_preliminary):
        raise Http404
    lang = _lang()
    title = hlist.name(lang) if status == InscriptionStatus.FINAL else \
        _("%(list)s — preliminary list") % {"list": hlist.name(lang)}
    return _browse(request, hlist=hlist, status=status, title=title)


@require_GET
def danger_list(request):
    return _browse(request, danger=True, title=_("List of heritage in danger"))


@require_GET
def place_detail(request, pk):
    lang = _lang()
    place = HeritagePlace.objects.select_related("parent").prefetch_related(
        "states", "danger_listings", "inscriptions__heritage_list", "inscriptions__criteria",
    ).get_visible_or_404(request.user, pk=pk)
    loc = geo.location_for(request.user, place)
    inscriptions = [{
        "inscription": i, "list_name": i.heritage_list.name(lang),
        "criteria": [(c.code, c.text(lang), show((place.criteria_justification or {}).get(c.code), lang))
                     for c in i.criteria.all()],
    } for i in place.inscriptions.all()]
    incidents = Incident.objects.restrict(request.user).filter(places=place)
    feature = services.geojson_feature(request.user, place, lang)
    in_danger = services.is_currently_in_danger(place)
    return render(request, "heritage/place_detail.html", {
        "nav": "heritage", "place": place, "name": place.name(lang), "loc": loc,
        "name_lang": next((code for code in (lang, "en", "fr", "ar") if getattr(place, f"name_{code}", "")), lang),
        "region": region_label(place.region),
        "states": [(s.country, country_name(s.country, lang)) for s in place.states.all()],
        "inscriptions": inscriptions, "danger": place.danger_listings.all(),
        "in_danger": in_danger,
        "may_remove_from_danger": in_danger and services.may_list_in_danger(request.user),
        "may_list_in_danger": not in_danger and services.may_list_in_danger(request.user) and any(
            i.status == InscriptionStatus.FINAL for i in place.inscriptions.all()),
        "texts": [(label, show(value, lang)) for label, value in (
            (_("Description"), place.description), (_("Statement of outstanding value"), place.outstanding_value),
            (_("Integrity"), place.integrity), (_("Authenticity"), place.authenticity),
            (_("Protection and management"), place.protection)) if show(value, lang)],
        "components": HeritagePlace.objects.restrict(request.user).filter(parent=place),
        "incidents": incidents, "feature_json": json.dumps(feature) if feature else "",
        "boundary_json": loc.boundary or "",
    })


@login_required
@require_POST
def place_danger(request, pk):
    """The secretariat enters an inscribed place on the list in danger, with threats and corrective measures."""
    place = HeritagePlace.objects.get_visible_or_404(request.user, pk=pk)
    leaving = request.POST.get("action") == "leave"
    try:
        if leaving:
            services.leave_danger_list(request.user, place, request.POST.get("decision", ""))
        else:
            services.enter_danger_list(request.user, place, request.POST.get("threats", ""),
                                       request.POST.get("corrective_measures", ""),
                                       request.POST.get("desired_state", ""))
    except DomainError as exc:
        message_domain_error(request, exc)
    else:
        messages.success(request, _("Removed from the list in danger.") if leaving else _("Entered on the list in danger."))
    return redirect("heritage:place", pk=place.pk)


@require_GET
def places_geojson(request):
    """Listed places as a GeoJSON FeatureCollection (positions as geo.location_for decides)."""
    lang = _lang()
    hlist = HeritageList.objects.filter(key=request.GET.get("list", "")).first()
    qs = filtered_places(request.user, hlist=hlist, status=request.GET.get("status") or None,
                         country=request.GET.get("country", ""), category=request.GET.get("category", ""),
                         criterion=request.GET.get("criterion", ""), danger=request.GET.get("danger") == "1")
    qs = qs.prefetch_related("states", "danger_listings")
    features = [f for f in (services.geojson_feature(request.user, p, lang) for p in qs) if f]
    attributions = sorted({f["properties"]["attribution"] for f in features if f["properties"]["attribution"]})
    response = JsonResponse({"type": "FeatureCollection", "attribution": "; ".join(attributions),
                             "features": features}, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/geo+json"
    return response


@require_GET
def map_page(request):
    return render(request, "heritage/map.html", {"nav": "heritage", "lists": HeritageList.objects.all(),
                                                 "attribution": UNESCO_ATTRIBUTION})


# --- Nomination files ----------------------------------------------------------------------------


@login_required
@require_GET
def nomination_list(request):
    lang = _lang()
    qs = Nomination.objects.restrict(request.user).select_related("place", "heritage_list", "owning_agency")
    today = timezone.localdate()
    rows = [{"n": n, "name": n.place.name(lang), "deadline": services.next_deadline(n, today)} for n in qs]
    return render(request, "heritage/nomination_list.html", {"nav": "heritage", "rows": rows,
                                                             "entry_forms": _preliminary_entry_forms(request.user, lang)})


def _preliminary_entry_forms(user, lang) -> list[dict]:
    """For a member state's heritage agency: its own places not yet proposed for each list that takes nominations."""
    if user.agency_id is None or not user.has_role(Role.CONTRIBUTOR) or services.is_secretariat(user):
        return []
    forms = []
    for hlist in HeritageList.objects.filter(accepts_nominations=True, has_preliminary=True):
        places = HeritagePlace.objects.filter(owning_agency_id=user.agency_id).exclude(
            nominations__heritage_list=hlist)
        if places:
            forms.append({"list": hlist, "name": hlist.name(lang),
                          "places": [(p.pk, p.name(lang)) for p in _ordered_by_name(places, lang)],
                          "criteria": [(c.code, c.text(lang)) for c in hlist.criteria_set.criteria.filter(active=True)]})
    return forms


@login_required
@require_POST
def preliminary_entry(request):
    """The member state enters one of its places on a list's preliminary list: the first step of a nomination."""
    hlist = get_object_or_404(HeritageList, key=request.POST.get("list", ""))
    place = get_object_or_404(HeritagePlace, pk=request.POST.get("place") or 0, owning_agency_id=request.user.agency_id)
    criteria = list(Criterion.objects.filter(criteria_set=hlist.criteria_set,
                                             code__in=request.POST.getlist("criteria")))
    try:
        n = services.create_preliminary_entry(request.user, place, hlist, criteria=criteria)
    except DomainError as exc:
        message_domain_error(request, exc)
    else:
        messages.success(request, _("Entered on the preliminary list."))
        return redirect("heritage:nomination", pk=n.pk)
    return redirect("heritage:nominations")


@login_required
@require_GET
def nomination_detail(request, pk):
    lang = _lang()
    n = Nomination.objects.select_related("place", "heritage_list", "owning_agency") \
        .get_visible_or_404(request.user, pk=pk)
    today = timezone.localdate()
    assignment = n.assignments.filter(evaluator=request.user).first()
    return render(request, "heritage/nomination_detail.html", {
        "nav": "heritage", "n": n, "name": n.place.name(lang), "deadline": services.next_deadline(n, today),
        "actions": services.allowed_actions(request.user, n), "missing": services.missing_items(n),
        "sections": [(key, title, n.sections.get(key, "")) for key, title in services.SECTIONS.items()],
        "events": n.events.select_related("actor"), "criteria": n.proposed_criteria.all(),
        "decisions": Decision.choices, "assignments": n.assignments.select_related("evaluator"),
        "my_assignment": assignment, "may_assign": services.acts_for_secretariat(request.user, n) and n.state in (
            "submitted", "evaluation"),
        "may_report": n.state == "evaluation" and assignment is not None and assignment.may_evaluate,
        "may_edit": n.state == "draft" and services.acts_for_state(request.user, n),
        "reports": n.reports.select_related("evaluator"), "requests": n.information_requests.all(),
        "attachments": n.attachments.all(), "attachment_kinds": AttachmentKind.choices,
    })


@login_required
@require_POST
def nomination_act(request, pk):
    """One form endpoint for every step; the services decide whether it is allowed."""
    n = Nomination.objects.get_visible_or_404(request.user, pk=pk)
    action, post, user = request.POST.get("action", ""), request.POST, request.user
    try:
        if action == "attach":
            services.add_attachment(user, n, post.get("kind", ""), post.get("title", ""), request.FILES.get("file"))
        elif action == "edit_sections":
            services.update_sections(user, n, {k: post.get(f"section_{k}", "") for k in services.SECTIONS
                                               if f"section_{k}" in post})
        elif action == "assign":
            evaluator = get_user_model().objects.filter(username=post.get("evaluator", ""), is_active=True).first()
            if evaluator is None:
                raise RecordInvalid(errors={"evaluator": [_("No such user.")]})
            services.assign_evaluator(user, n, evaluator)
        elif action == "declare":
            assignment = get_object_or_404(n.assignments, evaluator=user)
            services.declare_conflict_of_interest(user, assignment, has_conflict=post.get("has_conflict") == "1",
                                                  statement=post.get("statement", ""))
        elif action == "report":
            services.submit_evaluation_report(user, n, text=post.get("text", ""),
                                              recommendation=post.get("recommendation", ""))
        elif action == "request_information":
            services.request_information(user, n, post.get("question", ""))
        elif action == "provide_information":
            services.provide_information(user, n, post.get("answer", ""))
        elif action == "recommend":
            services.recommend(user, n, post.get("recommendation", ""), post.get("text", ""))
        elif action == "decide":
            services.decide(user, n, post.get("decision", ""), code=post.get("code", ""), text=post.get("text", ""))
        elif action in services.ACTIONS:
            services.ACTIONS[action](user, n)
        else:
            raise TransitionNotAllowed(_("Unknown action."))
    except DomainError as exc:
        message_domain_error(request, exc)
    else:
        messages.success(request, _("Done."))
    if not Nomination.objects.restrict(user).filter(pk=n.pk).exists():
        return redirect("heritage:nominations")
    return redirect("heritage:nomination", pk=n.pk)


MAX_AREA_UPLOAD = 2 * 1024 * 1024  # a GeoJSON area file: generous for a drawn or exported polygon


@login_required
def place_new(request):
    """A member state's editor adds a place or an intangible element, drawing its boundary on the map."""
    if not can_add(request.user):
        raise Http404
    data, errors = {}, {}
    if request.method == "POST":
        data = _place_data(request.POST, errors)
        if not errors:
            try:
                place = services.create_place(request.user, data)
            except RecordInvalid as exc:
                errors.update(exc.errors)  # shown beside the fields of the place form
            else:
                messages.success(request, _("The place is recorded. You may now enter it on a preliminary list."))
                return redirect("heritage:place", pk=place.pk)
    lang = _lang()
    return render(request, "heritage/place_form.html", {
        "nav": "heritage", "values": request.POST if request.method == "POST" else {}, "errors": errors,
        "categories": Category.choices, "countries": country_choices(lang),
        "chosen_states": request.POST.getlist("states") if request.method == "POST" else [request.user.agency.country],
        "sharing_levels": Sharing.choices,
    }, status=400 if errors else 200)


def _place_data(post, errors: dict) -> dict:
    """The form's values as create_place takes them; numbers that do not parse are named here."""
    data = {key: post.get(key, "").strip() for key in ("name_ar", "name_en", "name_fr", "category", "boundary",
                                                      "sharing")}
    data["states"] = [code for code in post.getlist("states") if code]
    data["sensitive"] = post.get("sensitive") == "on"
    for key in ("lon", "lat"):
        raw = post.get(key, "").strip().replace(",", ".")
        if raw:
            data[key] = parse_number(raw)
            if data[key] is None:
                errors.setdefault("location", []).append(_("Longitude and latitude are numbers in degrees."))
    if post.get("description", "").strip():
        data["description"] = {"text": post["description"].strip(), "lang": post.get("description_lang") or _lang()}
    if not data["boundary"]:
        data.pop("boundary")
    return data


@login_required
def risk_page(request):
    """Draw or upload an area (a flood, a front line) and see the listed places in it or near it."""
    context = {"nav": "heritage", "kinds": IncidentKind.choices, "area": "", "within_km": "0", "hits": None,
               "unlisted": False,
               "may_record": can_add(request.user)}
    if request.method == "POST":
        area_text = request.POST.get("area", "").strip()
        upload = request.FILES.get("area_file")
        if upload is not None:
            if upload.size > MAX_AREA_UPLOAD:
                messages.error(request, _("The area file is too large (at most 2 MB)."))
                return render(request, "heritage/risk.html", context, status=400)
            area_text = upload.read().decode("utf-8", errors="replace")
        within = request.POST.get("within_km", "0").strip().replace(",", ".") or "0"
        context.update(area=area_text, within_km=within, unlisted=request.POST.get("unlisted") == "on")
        within_km = parse_number(within)
        if within_km is None or not (0 <= within_km <= 500):
            messages.error(request, _("The distance is a number of kilometres between 0 and 500."))
            return render(request, "heritage/risk.html", context, status=400)
        try:
            if request.POST.get("action") == "record" and context["may_record"]:
                incident = risk.record_incident(request.user, kind=request.POST.get("kind", "other"),
                                                title=request.POST.get("title", "").strip() or _("Incident"),
                                                area_geojson=area_text, within_km=within_km)
                messages.success(request, _("Incident recorded: %(n)d places affected.") % {"n": incident.places.count()})
            context["hits"] = risk.places_in_area(request.user, area_text, within_km,
                                                  listed_only=not context["unlisted"])
        except geo.GeometryInvalid as exc:
            messages.error(request, _("The area is not a valid polygon: %(e)s") % {"e": exc})
            return render(request, "heritage/risk.html", context, status=400)
        lang = _lang()
        context["rows"] = [{"place": h.place, "name": h.place.name(lang), "distance": h.distance_km,
                            "in_danger": h.in_danger} for h in context["hits"]]
        context["hits_json"] = json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": h.place.pk, "geometry": {"type": "Point", "coordinates": [h.location.lon,
                                                                                             h.location.lat]},
             "properties": {"name": h.place.name(lang), "in_danger": h.in_danger, "exact": h.location.exact}}
            for h in context["hits"] if h.location.lon is not None]})
    return render(request, "heritage/risk.html", context)
