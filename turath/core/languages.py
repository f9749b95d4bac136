"""Names of languages and scripts in the reader's language: ISO 639 and ISO 15924 through pycountry's
translations, with the few names those translations lack (Arabic for «No linguistic content», the
calligraphic hands of Arabic script, which are not ISO scripts)."""

import gettext
from functools import lru_cache

import pycountry
from django.utils.translation import gettext_lazy as _

# Names ISO's translations do not give in Arabic or French, and the Arabic calligraphic hands.
EXTRA = {
    "zxx": {"ar": "بلا محتوى لغوي", "fr": "Sans contenu linguistique", "en": "No linguistic content"},
    "syc": {"ar": "السريانية الكلاسيكية", "fr": "Syriaque classique", "en": "Classical Syriac"},
    "grc": {"ar": "اليونانية القديمة", "fr": "Grec ancien", "en": "Ancient Greek"},
    "ota": {"ar": "التركية العثمانية", "fr": "Turc ottoman", "en": "Ottoman Turkish"},
    "ber": {"ar": "الأمازيغية", "fr": "Berbère", "en": "Berber"},
}
HANDS = {
    "kufic": {"ar": "كوفي", "fr": "coufique", "en": "Kufic"},
    "naskh": {"ar": "نسخ", "fr": "naskhi", "en": "Naskh"},
    "thuluth": {"ar": "ثلث", "fr": "thuluth", "en": "Thuluth"},
    "maghribi": {"ar": "مغربي", "fr": "maghribi", "en": "Maghribi"},
    "nastaliq": {"ar": "نستعليق", "fr": "nastaliq", "en": "Nastaliq"},
    "diwani": {"ar": "ديواني", "fr": "diwani", "en": "Diwani"},
    "cuneiform": {"ar": "مسماري", "fr": "cunéiforme", "en": "cuneiform"},
    "hieroglyphic": {"ar": "هيروغليفي", "fr": "hiéroglyphique", "en": "hieroglyphic"},
}
WORKING = {"ar": _("Arabic"), "en": _("English"), "fr": _("French")}


@lru_cache(maxsize=8)
def _translator(domain: str, lang: str):
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[lang], fallback=True)


def _reader(lang: str | None) -> str:
    from turath.core.multilingual import active_lang

    return lang or active_lang()


@lru_cache(maxsize=2048)
def _language_name(code: str, lang: str) -> str:
    if code in EXTRA:
        name = EXTRA[code].get(lang) or EXTRA[code]["en"]
    else:
        found = (pycountry.languages.get(alpha_2=code) if len(code) == 2 else pycountry.languages.get(alpha_3=code))
        if found is None:
            return code
        name = found.name if lang == "en" else _translator("iso639-3", lang).gettext(found.name)
    return _french_case(name, lang)


def _french_case(name: str, lang: str) -> str:
    """French writes names of languages and scripts in lower case («en arabe», «écriture latine»)."""
    return name[:1].lower() + name[1:] if lang == "fr" else name


def language_name(code: str, lang: str | None = None) -> str:
    """«ar» → «Arabic» / «العربية»; «zxx» → «No linguistic content»; an unknown code is shown as it is."""
    if not code:
        return ""
    code = code.strip().lower()
    if code in WORKING:
        from django.utils import translation

        with translation.override(_reader(lang)):
            return str(WORKING[code])
    return _language_name(code, _reader(lang))


def script_name(script: str, lang: str | None = None) -> str:
    """A script or calligraphic hand typed in English («Latin», «Naskh») in the reader's language; other text as typed."""
    if not script:
        return ""
    lang = _reader(lang)
    key = script.strip().casefold()
    if key in HANDS:
        return HANDS[key].get(lang) or script
    found = pycountry.scripts.get(name=script.strip())
    if found is None or lang == "en":
        return script
    return _french_case(_translator("iso15924", lang).gettext(found.name), lang)
