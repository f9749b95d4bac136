from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from turath.core.countries import sort_key
from turath.vocabulary.models import Concept

from . import services
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
                                            lang=lang, subject=form.cleaned_data["subject"])
        except services.CheckRefused as exc:
            form.add_error(None, str(exc))
        except PermissionError:
            raise Http404 from None
    return render(request, "matching/check.html", {"form": form, "outcome": outcome, "subject": subject,
                                                    "concept_lists": _concept_lists(lang)})


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
    except (services.CheckRefused, PermissionError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your decision is recorded."))
    return redirect("matching:check")
