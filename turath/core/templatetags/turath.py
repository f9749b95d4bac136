"""Template helpers for the web UI: multilingual text with its notes, labels in the reader's
language, and URLs that keep the search's filters."""

from django import template
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from turath.core import multilingual
from turath.core.countries import country_name
from turath.core.languages import language_name, script_name

register = template.Library()


def reader_lang() -> str:
    return (translation.get_language() or "en")[:2]




@register.simple_tag
def list_sep():
    """The separator between items of an inline list: the Arabic comma «،» on Arabic pages."""
    return multilingual.list_separator(reader_lang())


@register.simple_tag
def shown(value):
    """The version of a multilingual text a reader of the current language sees (or None)."""
    return multilingual.show(value, reader_lang())


@register.inclusion_tag("includes/mltext.html")
def mltext(value, block=False):
    """A multilingual text with its language and direction, a note when it is not in the reader's
    language, a disclaimer on machine translations, and the original when a translation is shown."""
    lang = reader_lang()
    version = multilingual.show(value, lang)
    original = None
    if version is not None and not version.is_original and value.get("text"):
        original = multilingual.Shown(value["text"], value.get("lang", ""), True, False, False)
    return {
        "version": version,
        "original": original,
        "original_language": language_name(original.lang) if original else "",
        "fallback_note": _("shown in %(shown)s — no %(reader)s version")
        % {"shown": language_name(version.lang), "reader": language_name(lang)} if version and version.fallback else "",
        "block": block,
    }


@register.filter
def label(concept):
    """A vocabulary concept's preferred label in the reader's language."""
    return concept.label(reader_lang()) if concept is not None else ""


@register.filter
def country(code):
    return country_name(code, reader_lang()) if code else ""


@register.filter
def agency_name(agency):
    return agency.name(reader_lang()) if agency is not None else ""


@register.filter
def langname(code):
    return language_name(code)


# The kinds of event on a case's timeline and an object's custody chain, named in the reader's language.
EVENT_KINDS = {
    "report": _lazy("report"), "seizure": _lazy("seizure"), "alert": _lazy("alert"),
    "restitution": _lazy("restitution"), "step": _lazy("step"), "decision": _lazy("decision"),
    "evidence": _lazy("evidence"), "journal": _lazy("journal"), "entry": _lazy("custody entry"),
    "movement": _lazy("movement"), "transfer": _lazy("transfer"), "condition": _lazy("condition"),
    "exit": _lazy("exit"),
}


@register.filter
def event_kind(kind: str) -> str:
    return str(EVENT_KINDS.get(kind, kind))


@register.filter
def scriptname(script):
    return script_name(script)


@register.simple_tag(takes_context=True)
def url_with(context, **changes):
    """The current URL's query string with some parameters replaced (None removes one);
    changing anything but the page returns to the first page."""
    params = context["request"].GET.copy()
    if "page" not in changes:
        params.pop("page", None)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def url_without(context, key, value):
    """The current URL's query string without one filter value (an active-filter chip's link)."""
    params = context["request"].GET.copy()
    params.pop("page", None)
    params.setlist(key, [v for v in params.getlist(key) if v != value])
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def can_add(context):
    """Whether the signed-in person may add records (the nav's "Add object")."""
    from turath.core.permissions import can_add as may_add

    return may_add(context.get("user"))


@register.filter
def pick(form, names):
    """The bound fields of a form named in a space-separated list, skipping absent ones."""
    return [form[name] for name in names.split() if name in form.fields]


@register.simple_tag
def language_choices():
    """The working languages, each named in itself (العربية, English, Français), whatever the page's language."""
    from django.conf import settings

    return settings.LANGUAGES


@register.filter
def risk_name(category):
    return category.name(reader_lang())
