from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from turath.core.countries import sort_key
from turath.core.errors import NotPermitted
from turath.vocabulary.models import Concept

from . import index, services
from .forms import CheckForm, DecisionForm
from .models import MatchCheck

MAX_PHOTO_BYTES_TOTAL = 60 * 1024 * 1024


def _concept_lists(lang):
    lists = {}
    for key in ("object-types", "materials", "periods"):
        lists[key] = sorted({c.label(lang) for c in Concept.objects.filter(scheme__key=key)}, key=sort_key)
    return lists


@login_required
def check(request):
    lang = (translation.get_language() or "en")[:2]
    outcome = None
    form = CheckForm(request.POST or None, request.FILES or None, lang=lang,
                     initial={"subject": request.GET.get("subject", "")})
    subject = (form.data.get("subject") if form.is_bound else request.GET.get("subject", "")) or ""
    if request.method == "POST" and form.is_valid():
        photos = [(f.name, f.read()) for f in form.cleaned_data["photos"]]
        try:
            outcome = services.check_object(request.user, photos, form.cleaned_data["words"], form.facets(),
                                            lang=lang, subject=form.cleaned_data["subject"],
                                            reported_only=form.cleaned_data["reported_only"])
        except services.CheckRefused as exc:
            form.add_error(None, str(exc))
        except NotPermitted:
            raise Http404 from None
        else:
            _attach_previews(outcome, photos)
    index_state = None
    if outcome is None:
        state = index.status()
        if state["building"] or state["images"] < state["total_images"]:
            index_state = state
    return render(request, "matching/check.html", {
        "form": form, "outcome": outcome, "subject": subject, "concept_lists": _concept_lists(lang),
        "index_state": index_state, "decided": _decided(request),
        "reported_only": form.is_bound and form.is_valid() and form.cleaned_data["reported_only"]})


PREVIEW_SIDE = 640


def _attach_previews(outcome, photos):
    """The officer's own photo beside each register photo: a small JPEG inlined in the page (the
    check stores only the photos' fingerprints), in the size the engine's outline refers to."""
    import base64
    import io

    from PIL import Image, ImageOps

    previews = []
    for _name, data in photos:
        try:
            im = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
            w, h = im.size
            im = im.convert("RGB")
            im.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
            out = io.BytesIO()
            im.save(out, "JPEG", quality=70)
            previews.append({"uri": "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode(),
                             "width": w, "height": h})
        except Exception:  # noqa: BLE001 - an unreadable preview only loses the picture, never the check
            previews.append(None)
    for c in outcome.candidates:
        qi = (c.evidence.get("image") or {}).get("query_index")
        c.query_preview = previews[qi] if isinstance(qi, int) and 0 <= qi < len(previews) else None


def _decided(request):
    """The officer's check just decided "same object": the next steps are shown for it."""
    uid = request.GET.get("decided")
    if not uid:
        return None
    try:
        row = (MatchCheck.objects.select_related("decided_object__owning_agency", "subject")
               .filter(uid=uid, agency_id=request.user.agency_id, decision="same").first())
    except ValidationError:
        return None
    if row is None or row.decided_object is None:
        return None
    from turath.register.models import CulturalObject

    if not CulturalObject.objects.restrict(request.user, "view").filter(pk=row.decided_object_id).exists():
        return None
    return row


@login_required
@require_POST
def decide(request, uid):
    check_row = get_object_or_404(MatchCheck.objects.restrict(request.user), uid=uid)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision."))
        return redirect("matching:check")
    try:
        services.record_decision(request.user, check_row, form.cleaned_data["decision"],
                                 form.cleaned_data["record_number"], form.cleaned_data["note"])
    except (services.CheckRefused, NotPermitted) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your decision is recorded."))
        if check_row.decision == "same":
            return redirect(f"{reverse('matching:check')}?decided={check_row.uid}")
    return redirect("matching:check")


@login_required
@require_POST
def contact(request, uid):
    check_row = MatchCheck.objects.filter(uid=uid, agency_id=request.user.agency_id).first()
    if check_row is None:
        raise Http404
    try:
        services.request_contact(request.user, check_row)
    except (services.CheckRefused, NotPermitted) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The secretariat has your request and will put you in touch with the "
                                    "owning agency. The records stay hidden from your agency until then."))
    return redirect("matching:check")
