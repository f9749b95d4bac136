"""ISO 3166 member states with names in Arabic, English and French (pycountry's translations)."""

import gettext
import unicodedata
from functools import lru_cache

import pycountry

LANGS = ("ar", "en", "fr")


@lru_cache(maxsize=8)
def _translator(lang: str):
    if lang == "en":
        return None
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)


# Where ISO's translations give the formal «Syrienne, République arabe» or nothing at all (Türkiye has no
# Arabic entry yet), the short name people use, as the organization's documents write it.
SHORT_NAMES = {
    "SY": {"en": "Syria", "fr": "Syrie", "ar": "سوريا"},
    "TR": {"en": "Türkiye", "fr": "Turquie", "ar": "تركيا"},
    "IR": {"en": "Iran", "fr": "Iran", "ar": "إيران"},
    "PS": {"en": "Palestine", "fr": "Palestine", "ar": "فلسطين"},
    "RU": {"en": "Russia", "fr": "Russie", "ar": "روسيا"},
    "KR": {"en": "South Korea", "fr": "Corée du Sud", "ar": "كوريا الجنوبية"},
    "KP": {"en": "North Korea", "fr": "Corée du Nord", "ar": "كوريا الشمالية"},
    "LA": {"en": "Laos", "fr": "Laos", "ar": "لاوس"},
    "MD": {"en": "Moldova", "fr": "Moldavie", "ar": "مولدوفا"},
    "TZ": {"en": "Tanzania", "fr": "Tanzanie", "ar": "تنزانيا"},
    "BO": {"en": "Bolivia", "fr": "Bolivie", "ar": "بوليفيا"},
    "VE": {"en": "Venezuela", "fr": "Venezuela", "ar": "فنزويلا"},
    "VN": {"en": "Viet Nam", "fr": "Viêt Nam", "ar": "فيتنام"},
    "FM": {"en": "Micronesia", "fr": "Micronésie", "ar": "ميكرونيزيا"},
    "VA": {"en": "Holy See", "fr": "Saint-Siège", "ar": "الكرسي الرسولي"},
    "CD": {"en": "Democratic Republic of the Congo", "fr": "République démocratique du Congo",
           "ar": "جمهورية الكونغو الديمقراطية"},
    "BN": {"en": "Brunei", "fr": "Brunéi", "ar": "بروناي"},
    "TW": {"en": "Taiwan", "fr": "Taïwan", "ar": "تايوان"},
}


@lru_cache(maxsize=4096)
def country_name(code: str, lang: str = "en") -> str:
    """Short name of an ISO 3166-1 alpha-2 country in one of the three working languages."""
    if not code:
        return ""
    code = code.upper()
    if code in SHORT_NAMES:
        return SHORT_NAMES[code].get(lang) or SHORT_NAMES[code]["en"]
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    tr = _translator(lang)
    if tr is None:
        return getattr(country, "common_name", None) or country.name
    return tr.gettext(country.name)


def sort_key(text: str):
    """Order names as a reader of the page expects: accents and Arabic vowel marks do not count, case neither
    («Égypte» among the E, «الإمارات» with «الأردن»)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def is_country(code: str) -> bool:
    return bool(code) and pycountry.countries.get(alpha_2=code.upper()) is not None


@lru_cache(maxsize=4)
def country_choices(lang: str = "en") -> list[tuple[str, str]]:
    items = [(c.alpha_2, country_name(c.alpha_2, lang)) for c in pycountry.countries]
    return sorted(items, key=lambda kv: sort_key(kv[1]))
