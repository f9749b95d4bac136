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


def _search_text_of(text: str) -> str:
    """The reference computation: normalise the whole text, strip the article, one space between tokens."""
    return " ".join(_ARTICLE.sub("", normalise(text)).split())


# Every step of normalise() and _ARTICLE works inside a run of non-whitespace characters: no step removes
# whitespace or matches across it (whitespace is never a word character, so \b, (?<!\w) and \w{3} see
# the same kind of neighbour at a chunk's edge as in the whole text), and whitespace ends up as a token
# boundary either way. Hence the tokens of a text are the tokens of its whitespace-separated chunks, one
# after the other, and a chunk's tokens can be remembered: words recur across records (an import
# normalises hundreds of thousands of texts), and a dictionary look-up is several times cheaper than the
# regular expressions. register/tests/test_import_fast.py checks the equality on every BMP character in
# several contexts and on random strings of the troublesome characters.
_CHUNKS: dict[str, str] = {}
_CHUNKS_MAX = 100_000  # entries (cleared when full: a few tens of MB at most)
_CHUNK_MAX_LEN = 64  # longer chunks (URLs, run-on text) are normalised without being remembered


def _chunk_text(chunk: str) -> str:
    if len(chunk) > _CHUNK_MAX_LEN:
        return _search_text_of(chunk)
    if len(_CHUNKS) >= _CHUNKS_MAX:
        _CHUNKS.clear()
    done = _CHUNKS[chunk] = _search_text_of(chunk)
    return done


def search_text(text: str) -> str:
    """The searchable form of a text: its tokens (see tokens()) joined by single spaces."""
    if not text or not isinstance(text, str):
        return _search_text_of(text)
    get = _CHUNKS.get
    out = []
    for chunk in text.split():
        done = get(chunk)
        if done is None:
            done = _chunk_text(chunk)
        if done:
            out.append(done)
    return " ".join(out)


def tokens(text: str) -> list[str]:
    """Searchable tokens of a text: normalised, with the Arabic article stripped."""
    return search_text(text).split()
