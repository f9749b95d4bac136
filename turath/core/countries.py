"""ISO 3166 member states with names in Arabic, English and French (pycountry's translations)."""

import gettext
from functools import lru_cache

import pycountry

LANGS = ("ar", "en", "fr")


@lru_cache(maxsize=8)
def _translator(lang: str):
    if lang == "en":
        return None
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)


@lru_cache(maxsize=4096)
def country_name(code: str, lang: str = "en") -> str:
    """Name of an ISO 3166-1 alpha-2 country in one of the three working languages."""
    if not code:
        return ""
    country = pycountry.countries.get(alpha_2=code.upper())
    if country is None:
        return code
    name = getattr(country, "common_name", None) or country.name
    tr = _translator(lang)
    return tr.gettext(country.name) if tr else name


def is_country(code: str) -> bool:
    return bool(code) and pycountry.countries.get(alpha_2=code.upper()) is not None


@lru_cache(maxsize=4)
def country_choices(lang: str = "en") -> list[tuple[str, str]]:
    items = [(c.alpha_2, country_name(c.alpha_2, lang)) for c in pycountry.countries]
    return sorted(items, key=lambda kv: kv[1])
