from django.utils import translation


def turath(request):
    lang = translation.get_language() or "en"
    return {
        "LANG": lang[:2],
        "IS_RTL": translation.get_language_bidi(),
        "current_agency": getattr(getattr(request, "user", None), "agency", None),
    }
