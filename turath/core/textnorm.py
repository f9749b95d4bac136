"""Text normalisation shared by search, import suggestions and matching.

The normaliser itself lives in the framework-free engine (``turath_engine.text.normalize``), so the
register's search index and the matching engine fold every word the same way: Arabic, Persian and
Urdu letter variants, hamza seats, diacritics (harakat), tatweel, Latin accents and case. The same
function normalises documents and queries, so SQLite FTS5 and PostgreSQL see identical tokens and
return the same results. This module adds what the register needs on top: remembered words, for
imports that normalise hundreds of thousands of texts.
"""

from turath_engine.text import ARTICLE as _ARTICLE
from turath_engine.text import DIGITS as _DIGITS
from turath_engine.text import normalize as normalise
from turath_engine.text import search_text as _search_text_of

__all__ = ["normalise", "search_text", "tokens", "_ARTICLE", "_DIGITS"]

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
