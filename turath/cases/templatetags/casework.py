"""Labels of a case's timeline: each event kind named in the reader's language."""

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

TIMELINE_KINDS = {
    "report": _("report"),
    "seizure": _("seizure"),
    "alert": _("alert"),
    "restitution": _("restitution"),
    "step": _("step"),
    "decision": _("decision"),
    "evidence": _("evidence"),
    "journal": _("journal"),
    "entry": _("custody entry"),
    "movement": _("movement"),
    "transfer": _("transfer"),
    "condition": _("condition"),
    "exit": _("exit"),
}


@register.filter
def timeline_kind(kind: str) -> str:
    return str(TIMELINE_KINDS.get(kind, kind))
