"""The cases about an object, listed on its page (register.links): reports, seizures, restitution cases
and the alerts of the reader's agency — each through restrict() for the reader."""

from django.urls import reverse
from django.utils.translation import gettext as _

from turath.register.links import Link, provides

from .models import Alert, Report, RestitutionCase, SeizureItem


@provides
def case_links(user, obj) -> list[Link]:
    out = [Link(r.get_kind_display(), r.number, reverse("cases:report-detail", args=[r.pk]), r.get_state_display())
           for r in Report.objects.restrict(user).filter(objects_concerned=obj).order_by("-occurred_on", "-pk")]
    out += [Link(_("Seizure"), f"{i.seizure.number} · {i.line}", reverse("cases:seizure-detail", args=[i.seizure_id]),
                 i.seizure.get_state_display())
            for i in SeizureItem.objects.restrict(user).filter(object=obj).select_related("seizure")]
    out += [Link(_("Restitution case"), c.number, reverse("cases:restitution-detail", args=[c.pk]),
                 c.get_state_display())
            for c in RestitutionCase.objects.restrict(user).filter(objects_claimed=obj).order_by("-pk")]
    out += [Link(_("Alert"), a.created.date().isoformat(), reverse("cases:inbox"), a.get_source_display())
            for a in Alert.objects.restrict(user).filter(object=obj).order_by("-created")[:20]]
    return out
