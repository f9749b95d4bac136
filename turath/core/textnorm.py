"""Text normalisation shared by search, import suggestions and matching.

Arabic: alef/hamza forms, alef maqsura, ta marbuta, diacritics (harakat), tatweel.
Latin: accent folding and case folding. The same function normalises documents and
queries, so SQLite FTS5 and PostgreSQL see identical tokens and return the same results.
"""

import re
import unicodedata

_ARABIC_MAP = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ة": "ه",
        "ؤ": "و",
        "ئ": "ي",
        "ـ": None,  # tatweel
    }
)
# Harakat, Qur'anic annotation marks and superscript alef.
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
# French elision (l', d', qu' …) is dropped; any other apostrophe or ʿayn/hamza transliteration
# mark joins its word, so "Qur'an" and "Quran", "ʿAbbasid" and "Abbasid" meet.
_ELISION = re.compile(r"\b(?:l|d|qu|j|n|s|c|m|t)['’]", re.IGNORECASE)
_APOSTROPHES = re.compile("['’ʿʾ`´]")
# Arabic-Indic digits become ASCII so "١٢٣" and "123" match.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def normalise(text: str) -> str:
    """Fold text to the canonical searchable form: lower case, no accents, normalised Arabic."""
    if not text:
        return ""
    text = _ARABIC_MARKS.sub("", text)
    text = _APOSTROPHES.sub("", _ELISION.sub("", text))
    text = text.translate(_ARABIC_MAP).translate(_DIGITS)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    # Drop combining marks (Latin accents) but keep Arabic letters, which NFKD leaves intact.
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = folded.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    return _NON_WORD.sub(" ", folded).replace("_", " ").strip()


# Arabic definite article and its common proclitic forms; stripping them is a light stem that
# makes «المخطوط» and «مخطوط» the same token (applied to documents and queries alike).
_ARTICLES = ("وال", "بال", "كال", "فال", "لل", "ال")


def _strip_article(token: str) -> str:
    for art in _ARTICLES:
        if token.startswith(art) and len(token) - len(art) >= 3:
            return token[len(art):]
    return token


def tokens(text: str) -> list[str]:
    """Searchable tokens of a text: normalised, with the Arabic article stripped."""
    return [_strip_article(t) for t in normalise(text).split() if t]


def search_text(text: str) -> str:
    return " ".join(tokens(text))
