"""Free text in its original language, with translations marked human or machine.

Stored as JSON: {"lang": "ar", "text": "…", "tr": {"en": {"text": "…", "machine": false}}}.
Pages show the text in the reader's language if there is one, else fall back (original first),
and say so; machine translations carry a visible disclaimer.
"""

from dataclasses import dataclass

LANGS = ("ar", "en", "fr")
NO_LANGUAGE = "zxx"  # ISO 639-2: no linguistic content
RTL_LANGS = {"ar", "fa", "ur", "he", "ps", "ckb", "syr"}


def active_lang() -> str:
    """The language of the page being rendered (names of agencies, lists and places follow it)."""
    from django.utils import translation

    lang = (translation.get_language() or "en")[:2]
    return lang if lang in LANGS else "en"


def list_separator(lang: str | None = None) -> str:
    """Between the items of an inline list: the Arabic comma «،» in Arabic, a comma elsewhere."""
    return "، " if (lang or active_lang()) == "ar" else ", "


def make(text: str, lang: str, translations: dict | None = None) -> dict:
    value = {"lang": lang, "text": text or "", "tr": {}}
    for code, tr in (translations or {}).items():
        if isinstance(tr, str):
            tr = {"text": tr, "machine": False}
        if tr.get("text") and code != lang:
            value["tr"][code] = {"text": tr["text"], "machine": bool(tr.get("machine"))}
    return value


def is_empty(value) -> bool:
    return not value or not (value.get("text") or any(t.get("text") for t in value.get("tr", {}).values()))


def texts(value) -> list[tuple[str, str]]:
    """Every (lang, text) of the value: the original first, then translations."""
    if not value:
        return []
    out = [(value.get("lang", ""), value.get("text", ""))] if value.get("text") else []
    out += [(code, tr.get("text", "")) for code, tr in (value.get("tr") or {}).items() if tr.get("text")]
    return out


def in_lang(value, lang: str) -> str:
    if not value:
        return ""
    if value.get("lang") == lang:
        return value.get("text", "")
    return ((value.get("tr") or {}).get(lang) or {}).get("text", "")


@dataclass
class Shown:
    text: str
    lang: str
    is_original: bool
    machine: bool
    fallback: bool  # not in the reader's language

    @property
    def dir(self) -> str:
        return "rtl" if self.lang in RTL_LANGS else "ltr"

    def __str__(self):
        return self.text


def show(value, lang: str) -> Shown | None:
    """The version a reader of `lang` should see, with what they need to know about it."""
    if is_empty(value):
        return None
    original = value.get("lang", "")
    if original == lang and value.get("text"):
        return Shown(value["text"], lang, True, False, False)
    if original == NO_LANGUAGE and value.get("text"):  # an inventory number or a date reads the same in any language
        return Shown(value["text"], original, True, False, False)
    tr = (value.get("tr") or {}).get(lang)
    if tr and tr.get("text"):
        return Shown(tr["text"], lang, False, bool(tr.get("machine")), False)
    if value.get("text"):
        return Shown(value["text"], original, True, False, True)
    code, tr = next(iter(value["tr"].items()))
    return Shown(tr["text"], code, False, bool(tr.get("machine")), True)
