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


_FOLD = {**_ARABIC_MAP, **_DIGITS}


def _combining_class() -> re.Pattern:
    """Every combining mark in the Basic Multilingual Plane, as one character class (built once)."""
    marks = [chr(c) for c in range(0x300, 0x10000) if unicodedata.combining(chr(c))]
    return re.compile("[" + "".join(re.escape(m) for m in marks) + "]+")


_COMBINING = _combining_class()


def normalise(text: str) -> str:
    """Fold text to the canonical searchable form: lower case, no accents, normalised Arabic."""
    if not text:
        return ""
    text = _ARABIC_MARKS.sub("", text)
    text = _APOSTROPHES.sub("", _ELISION.sub("", text))
    text = text.translate(_FOLD)
    # Drop combining marks (Latin accents) but keep Arabic letters, which NFKD leaves intact.
    folded = _COMBINING.sub("", unicodedata.normalize("NFKD", text.casefold()))
    folded = folded.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    return _NON_WORD.sub(" ", folded).replace("_", " ").strip()


# Arabic definite article and its common proclitic forms; stripping them is a light stem that
# makes «المخطوط» and «مخطوط» the same token (applied to documents and queries alike). One regex
# over the whole string: stripped only when at least three letters remain.
_ARTICLE = re.compile(r"(?<!\w)(?:وال|بال|كال|فال|لل|ال)(?=\w{3})")


def tokens(text: str) -> list[str]:
    """Searchable tokens of a text: normalised, with the Arabic article stripped."""
    return _ARTICLE.sub("", normalise(text)).split()


def search_text(text: str) -> str:
    return " ".join(tokens(text))
