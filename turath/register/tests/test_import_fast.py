"""The import's speed-ups change nothing: remembered values (normalised words, measurements, dates,
countries, language cells), the restructured row reading and measurement checks, and the cheaper
value adaptation give exactly what the plain computations give, for valid and invalid rows alike.

validate_record stays the one validation path; what is remembered inside it is what a written value
means, never a message (messages are written per row, in the active language). Each test below compares
the fast path with a reference: the memos switched off, the code as it was before the speed-up
(copied here from commit dd435f8), or the ORM's own adaptation.
"""

import json
import random
import re
from decimal import Decimal, InvalidOperation
from uuid import UUID

import pytest
from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from turath.core import textnorm
from turath.core.errors import RecordInvalid
from turath.register import importer, services
from turath.register.models import CulturalObject, Measurement, StatusChange
from turath.register.search import build_search_text

# ---------------------------------------------------------------- rows: valid, invalid, three languages

VALID_AR = {
    "record_number": "MA-FAST-0001", "object_type": "مخطوط", "materials": "ورق; ذهب", "techniques": "تذهيب; calligraphy",
    "measurements": "الارتفاع=24 cm; العرض=17 cm", "inscriptions": "بسم الله الرحمن الرحيم", "title": "مصحف مغربي مذهب",
    "language": "ar", "title_en": "Gilded Maghribi Qur'an", "title_fr": "Coran maghrébin enluminé",
    "description": "مخطوط على رق، ٣٠ سطرًا في الصفحة، نسخة 1256 من مكتبة Bibliothèque royale",
    "description_en": "Manuscript on paper, 30 lines a page", "machine_translated": "fr", "date": "656 AH",
    "period": "Mamluk", "maker": "محمد بن أحمد", "inventory_numbers": "BR 1234; قديم 45/ب", "place_of_origin": "فاس",
    "origin_country": "MA", "current_holder": "الخزانة الحسنية", "status": "registered", "sharing": "network",
}
VALID_FR = {
    "record_number": "MA-FAST-0002", "object_type": "manuscrit", "materials": "papier", "techniques": "dorure",
    "measurements": "hauteur=31,5 cm; largeur=22 cm", "title": "Manuscrit enluminé « Kitāb al-Shifāʾ »",
    "language": "fr; description=ar", "description": "مخطوط مذهب", "description_fr": "Reliure en maroquin ; lacunes.",
    "machine_translated": "description_fr", "date": "XIVe siècle", "origin_country": "ma",
    "date_documented": "2024-06-19", "status": "reported_stolen", "sharing": "agency",
}
VALID_EN = {
    "record_number": "MA-FAST-0003", "object_type": "astrolabe", "materials": "brass", "title": "Brass astrolabe",
    "language": "en", "measurements": "height=18 cm; diameter=12.50 cm; weight=1.2 kg",
    "inscriptions": json.dumps([{"kind": "inscription", "script": "Kufic", "position": "rete",
                                 "text": {"lang": "ar", "text": "عمل أحمد", "tr": {"en": {"text": "Made by Ahmad"}}}}]),
    "date": "1250-1300", "distinguishing_features": "L'araignée est cassée ; d’après l'inventaire.",
    "cross_references": "INTERPOL 2024/77", "place_of_discovery": "Qur'an school, Fès",
}
DATES = ["656 AH", "656-700 هـ", "٦٥٦ هـ", "c. 1250", "300 BCE", "300 av. J.-C.", "12th century", "القرن 12",
         "XIVe siècle", "1250", "-40", "1250 to 1300"]
INVALID = {  # one invalid field (or cell) per row
    "record_number": {"record_number": "BAD NUMBER!"},
    "no number": {"record_number": ""},
    "unknown type": {"object_type": "astrolab"},
    "no type": {"object_type": ""},
    "unknown material": {"materials": "papyrys; paper"},
    "unknown technique": {"techniques": "gildng"},
    "unknown period": {"period": "Mamluc"},
    "no title": {"title": "", "title_en": "", "title_fr": "", "description": "", "description_en": "", "description_fr": ""},
    "bad date": {"date": "sometime"},
    "hijri out of range": {"date": "1600 AH"},
    "reversed range": {"date": "1300-1200"},
    "future date": {"date": "3000"},
    "bad date documented": {"date_documented": "2024-13-01"},
    "future date documented": {"date_documented": "2999-01-01"},
    "bad country": {"origin_country": "XX"},
    "bad sharing": {"sharing": "everyone"},
    "bad status": {"status": "destroyed"},
    "measurement form": {"measurements": "height 12 cm; width=3 cm"},
    "measurement value": {"measurements": "width=3 cm; height=0 cm"},
    "measurement dimension": {"measurements": "girth=3 cm; height=2 cm"},
    "measurement dimension 2": {"measurements": "height=2 cm; girth=3 cm"},
    "measurement unit": {"measurements": "weight=3 cm; height=3 kg; height=2 parsecs"},
    "inscriptions json": {"inscriptions": "[not json"},
    "inscription kind": {"inscriptions": json.dumps([{"kind": "graffito", "text": "x"}])},
    "language cell": {"language": "english; foo=ar; title=x1"},
    "maker too long": {"maker": "م" * 400},
    "text too long": {"description": "x" * (services.MAX_TEXT + 1)},
    "unknown column": {"colour": "red"},
}


def _rows() -> list[dict]:
    rows = [dict(VALID_AR), dict(VALID_FR), dict(VALID_EN)]
    for i, date in enumerate(DATES):
        rows.append({**VALID_EN, "record_number": f"MA-FAST-D{i:02d}", "date": date})
    for i, (_name, change) in enumerate(INVALID.items()):
        base = (VALID_AR, VALID_FR, VALID_EN)[i % 3]
        rows.append({**base, "record_number": f"MA-FAST-E{i:02d}", **change})
    # The same values again (the memos are warm now), and the same measurement at another position.
    rows += [{**row, "record_number": (row["record_number"] + "R") if row["record_number"] else ""} for row in rows]
    return rows


JSON_ROWS = [  # JSON elements (what serialize() writes) go through row_to_data too
    {"record_number": "MA-FAST-J1", "object_type": {"uri": "x", "en": "Coin"}, "materials": [{"uri": "y"}, "gold"],
     "title": {"lang": "en", "text": "Dinar", "tr": {"ar": {"text": "دينار", "machine": True}}}, "description": {},
     "measurements": [{"dimension": "Diam", "value": "2,1", "unit": "CM", "note": "n" * 300},
                      {"dimension": "weight", "value": "NaN", "unit": "g"}, {"dimension": "x", "value": 1, "unit": "cm"}],
     "uid": "ignored", "version": 3, "lang": "ar", "title_fr": "Dinar d'or"},
    {"record_number": " MA-FAST-J2 ", "object_type": "coin", "title": "", "title_ar": "دينار", "language": "fr",
     "machine_translated": "ar, EN", "inscriptions": [{"text": "لا إله إلا الله", "kind": "legend"}], "date": None},
]


# ---------------------------------------------------------------- switching the memos off

class _Forgetful(dict):
    """A memo that never remembers: every look-up misses, so every value is worked out again."""

    def __setitem__(self, key, value):
        pass


MEMOS = [(services, "_MEASUREMENTS"), (services, "_DATES"), (services, "_COUNTRIES"),
         (importer.rows, "_LANGUAGE_CELLS"), (importer.rows, "_MACHINE_CELLS"), (textnorm, "_CHUNKS")]


@pytest.fixture
def no_memos(monkeypatch):
    def switch_off():
        for module, name in MEMOS:
            monkeypatch.setattr(module, name, _Forgetful())

    return switch_off


def _clear_memos():
    for module, name in MEMOS:
        getattr(module, name).clear()


def _outcome(row, user, cache) -> dict:
    """Everything the import derives from one row before writing: the data, the row's shape errors,
    and validate_record's cleaned values or errors with suggestions."""
    data, shape_errors = importer.row_to_data(row)
    data = cache.prepare(data)
    suggestions: dict = {}
    try:
        cleaned = services.validate_record(data, user=user, suggestions=suggestions)
        result = {"values": cleaned.values, "materials": [c.pk for c in cleaned.materials],
                  "techniques": [c.pk for c in cleaned.techniques], "measurements": cleaned.measurements,
                  "inscriptions": cleaned.inscriptions}
    except RecordInvalid as exc:
        result = {"errors": exc.errors}
    text = None
    if "values" in result:
        text = importer.compose_search_text(
            cleaned.values, [i["text"] for i in cleaned.inscriptions],
            [cleaned.values["object_type"], cleaned.values["period"], *cleaned.materials, *cleaned.techniques],
            cache.terms)
    # repr keeps what JSON would blur: Decimal('12.50') against Decimal('12.5'), str against int.
    return {"data": repr(data), "shape_errors": shape_errors, "result": repr(result),
            "suggestions": suggestions, "search_text": text}


@pytest.fixture
def editor(users):
    return users["ma_museum_editor"]


def test_rows_validate_identically_with_and_without_the_memos(editor, no_memos):
    rows = _rows() + JSON_ROWS
    fast = {}
    _clear_memos()
    for lang in ("en", "fr", "ar", "en"):  # the memos, warmed in one language, serve the next
        with translation.override(lang):
            cache = importer.ConceptCache()
            fast[lang] = [_outcome(dict(row), editor, cache) for row in rows]
    no_memos()
    for lang in ("en", "fr", "ar"):
        with translation.override(lang):
            cache = importer.ConceptCache()
            slow = [_outcome(dict(row), editor, cache) for row in rows]
        for row, got, expected in zip(rows, fast[lang], slow, strict=True):
            assert got == expected, (lang, row["record_number"])

    # The set covers what it claims: valid rows, an error for every invalid kind, suggestions.
    first = 3 + len(DATES)  # index of the first invalid row
    assert sum("'values'" in o["result"] for o in fast["en"]) >= 2 * first
    invalid = {name: fast["en"][first + i] for i, name in enumerate(INVALID)}
    for name, got in invalid.items():
        assert got["shape_errors"] or "'errors'" in got["result"], name
    assert invalid["unknown type"]["suggestions"]["object_type"]["astrolab"], "a suggestion for «astrolab»"
    assert "papyrys" in invalid["unknown material"]["suggestions"]["materials"]
    # A measurement's message names its position, also when the memo knows the text already.
    assert "Measurement 1: unknown dimension «girth»" in invalid["measurement dimension"]["result"]
    assert "Measurement 2: unknown dimension «girth»" in invalid["measurement dimension 2"]["result"]
    # Messages follow the active language, never the language in which a value was first met.
    assert "Mesure 1 : dimension inconnue «girth»" in fast["fr"][first + list(INVALID).index("measurement dimension")][
        "result"]
    assert "n'est pas un code de pays" in fast["fr"][first + list(INVALID).index("bad country")]["result"]
    assert fast["en"][first:] != fast["fr"][first:]


def test_a_measurement_is_reported_at_its_position_in_every_language(editor):
    _clear_memos()
    for lang in ("fr", "en"):
        with translation.override(lang):
            for text, position in (("girth=3 cm; height=2 cm", 1), ("height=2 cm; girth=3 cm", 2)):
                errors: dict = {}
                services._measurements(text, errors)
                assert errors == {"measurements": [
                    _("Measurement %(i)d: unknown dimension «%(d)s».") % {"i": position, "d": "girth"}]}


# ---------------------------------------------------------------- the code before the speed-up (dd435f8)

def _reference_measurements(value, errors):
    items = value if isinstance(value, list) else services._split(value)
    out = []
    for i, item in enumerate(items, 1):
        if isinstance(item, str):
            m = services.MEASURE_RE.match(item)
            if not m:
                errors.setdefault("measurements", []).append(
                    _("Measurement %(i)d «%(v)s»: write dimension=value unit, e.g. height=12.5 cm.") % {"i": i, "v": item})
                continue
            item = {"dimension": m.group(1), "value": m.group(2).replace(",", "."), "unit": m.group(3)}
        dim = str(item.get("dimension", "")).strip().lower()
        dim = services._DIM_ALIASES.get(dim, dim)
        unit = str(item.get("unit", "")).strip().lower()
        unit = services._UNIT_ALIASES.get(unit, unit)  # Arabic units (سم، غ), added with the Arabic help texts
        try:
            number = Decimal(str(item.get("value")).replace(",", "."))
            if number <= 0 or number.is_nan() or number > Decimal("1e8"):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors.setdefault("measurements", []).append(_("Measurement %(i)d: the value must be a positive number.") % {"i": i})
            continue
        if dim not in services._DIMENSIONS:
            errors.setdefault("measurements", []).append(
                _("Measurement %(i)d: unknown dimension «%(d)s».") % {"i": i, "d": dim})
            continue
        if unit not in services._UNITS or (dim == "weight") != (unit in ("g", "kg")):
            errors.setdefault("measurements", []).append(
                _("Measurement %(i)d: unit «%(u)s» does not fit %(d)s.") % {"i": i, "u": unit, "d": dim})
            continue
        out.append({"dimension": dim, "value": number, "unit": unit, "note": str(item.get("note", ""))[:200]})
    return out


def _reference_languages(value: str, errors: dict) -> tuple[str, dict[str, str]]:
    default, per_field = "", {}
    for part in (p.strip() for p in value.replace(",", ";").split(";")):
        if not part:
            continue
        fld, _sep, code = part.rpartition("=")
        fld, code = fld.strip(), code.strip().lower()
        if not re.fullmatch(r"[a-z]{2,3}", code) or (fld and fld not in services.TEXT_FIELDS):
            errors.setdefault("language", []).append(
                _("«%(v)s»: write a language code (ar, en, fr), optionally followed by field=code.") % {"v": part})
        elif fld:
            per_field[fld] = code
        else:
            default = code
    return default, per_field


def _reference_row_to_data(row: dict):
    JSON_KEYS, DERIVED_KEYS, LANGS = importer.JSON_KEYS, importer.DERIVED_KEYS, importer.LANGS
    errors: dict[str, list[str]] = {}
    unknown = sorted(k for k in row if k not in JSON_KEYS)
    if unknown:
        errors["row"] = [_("Unknown fields: %(f)s.") % {"f": ", ".join(unknown)}]
    data = {k: v for k, v in row.items() if k not in DERIVED_KEYS and k in JSON_KEYS}
    for key, value in data.items():
        if isinstance(value, str):
            data[key] = value.strip()
    lang, field_langs = _reference_languages(str(data.get("language") or data.get("lang") or ""), errors)
    if lang:
        data["language"] = lang
    machine = {m.strip().lower() for m in str(data.pop("machine_translated", "") or "").replace(",", ";").split(";")
               if m.strip()}
    for fld in services.TEXT_FIELDS:
        translations = {code: data.pop(f"{fld}_{code}") for code in LANGS if data.get(f"{fld}_{code}")}
        for code in LANGS:
            data.pop(f"{fld}_{code}", None)
        if data.get(fld) == {}:
            data[fld] = ""
        original = data.get(fld) or ""
        flang = field_langs.get(fld, lang)
        if isinstance(original, dict):
            if translations:
                errors.setdefault(fld, []).append(_("Give translations inside the JSON text, not as separate fields."))
            continue
        if not translations and (fld not in field_langs or not original):
            continue
        if not original and flang in translations:
            original = translations.pop(flang)
        data[fld] = {"lang": flang or None, "text": original,
                     "tr": {code: {"text": text, "machine": code in machine or f"{fld}_{code}" in machine}
                            for code, text in translations.items()}}
    inscriptions = data.get("inscriptions")
    if isinstance(inscriptions, str) and inscriptions.startswith("["):
        try:
            data["inscriptions"] = json.loads(inscriptions)
        except json.JSONDecodeError:
            errors.setdefault("inscriptions", []).append(_("Starts with «[» but is not a JSON list."))
    for key in ("object_type", "period"):
        if key in data:
            data[key] = importer._json_concept(data[key])
    for key in ("materials", "techniques"):
        if isinstance(data.get(key), list):
            data[key] = [importer._json_concept(v) for v in data[key]]
    return data, errors


MEASUREMENT_CELLS = [
    "", "height=12.5 cm", "h=1 mm; w=2,5 cm | d=3 m\nl=4 cm", "hauteur=31,5 cm; largeur=22 cm", "ارتفاع=5 cm",
    "الوزن=3 kg", "poids=12 g", "weight=3 cm", "height=3 kg", "height=0 cm", "height=100000001 cm",
    "height=99999999.999 cm", "girth=3 cm", "height 12 cm", "=3 cm", "height=3", "height=-3 cm", "Height=3 CM",
    "diamètre=4 cm", "épaisseur=0.5 cm", "height=3 cm;;height=3 cm", "height=12.50 cm; height=12.5 cm",
]
MEASUREMENT_LISTS = [
    [{"dimension": "Diam", "value": "2,1", "unit": "CM", "note": "n" * 300}],
    [{"dimension": "weight", "value": "NaN", "unit": "g"}, {"dimension": "height", "value": "sNaN", "unit": "cm"}],
    [{"dimension": "height", "value": 3, "unit": "cm", "note": 7}, {"dimension": "x", "value": 1, "unit": "cm"}],
    [{"dimension": "height", "value": None, "unit": "cm"}, {"value": "2"}, "width=3 cm", "bad"],
    [{"dimension": "width", "value": "Infinity", "unit": "cm"}, {"dimension": "width", "value": "1e3", "unit": "cm"}],
]


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_measurements_as_before(lang):
    _clear_memos()
    with translation.override(lang):
        for _round in range(2):  # cold, then from the memo
            for value in MEASUREMENT_CELLS + MEASUREMENT_LISTS:
                got_errors, expected_errors = {}, {}
                got = services._measurements(value, got_errors)
                expected = _reference_measurements(value, expected_errors)
                assert repr(got) == repr(expected), value
                assert got_errors == expected_errors, value


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_rows_are_read_as_before(lang):
    rows = _rows() + JSON_ROWS + [
        {"record_number": "X", "title": "t", "language": "ar; description=fr, subject = en", "description": "d",
         "description_ar": "و", "description_fr": "x", "machine_translated": "description_ar, EN;;"},
        {"record_number": "X", "title": "", "title_fr": "Titre", "language": "fr", "title_en": "  "},
        {"record_number": "X", "title": {"lang": "fr", "text": "t"}, "title_en": "T", "subject": {}},
        {"record_number": "X", "title": "t", "language": "=fr; title=; =; desc=fr; TITLE=FR; title=AR"},
        {"record_number": "X", "title": "t", "lang": "fr", "materials": ["a", {"id": 4}, {"uri": ""}]},
        {"record_number": "X", "title": "t", "inscriptions": "[]", "period": {"id": 7}},
    ]
    _clear_memos()
    with translation.override(lang):
        for _round in range(2):
            for row in rows:
                assert repr(importer.row_to_data(dict(row))) == repr(_reference_row_to_data(dict(row))), row


# ---------------------------------------------------------------- normalisation by remembered words

TRICKY = list("aldqujnsctmLDQ'’ʿʾ`´_ -.,") + [
    "\u00a0", "\u2028", "\x1c", "\u3000", "\u200b", "\u0301", "\u064e", "\u0670", "\u0640", "ال", "و", "ب", "ك", "ف", "ل",
    "ة", "أ", "ى", "Σ", "ς", "ß", "œ", "Æ", "İ", "ﬁ", "①", "\u2002", "\t", "\n", "١", "۴", "¨", "½", "é", "ـ", "\u0085"]


def test_search_text_by_words_equals_the_whole_text_normalised():
    contexts = ["{c}", "a{c}b", "x {c}l'abc", "ال{c} الكتاب", "{c}\u0301e d'{c}x", "وال{c}"]
    textnorm._CHUNKS.clear()
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        for context in contexts:
            text = context.format(c=c)
            assert textnorm.search_text(text) == textnorm._search_text_of(text), hex(cp)
    rng = random.Random(2026)
    for _i in range(20_000):
        text = "".join(rng.choice(TRICKY) for _ in range(rng.randint(0, 30)))
        for _round in range(2):  # cold, then remembered
            assert textnorm.search_text(text) == textnorm._search_text_of(text), repr(text)
            assert textnorm.tokens(text) == textnorm._ARTICLE.sub("", textnorm.normalise(text)).split(), repr(text)
    assert textnorm.search_text("") == "" and textnorm.tokens(None) == []
    long_word = "x" * (textnorm._CHUNK_MAX_LEN + 1)
    assert textnorm.search_text(f"É{long_word}") == f"e{long_word}" and f"É{long_word}" not in textnorm._CHUNKS


# ---------------------------------------------------------------- value adaptation

def _plain(value):
    return getattr(value, "obj", value)  # PostgreSQL's Jsonb wrapper: compare what it wraps


def test_adapters_give_what_the_orm_gives():
    conn = connection
    samples = {
        "JSONField": [{}, [], {}, {"lang": "ar", "text": "نص", "tr": {}}, ["a", "b"], [], {"x": [1, 2]}],
        "DateField": [None, __import__("datetime").date(2024, 6, 19), __import__("datetime").date(2024, 6, 19)],
        "DecimalField": [Decimal("12.5"), Decimal("12.50"), Decimal("12.5"), Decimal("0.001"), Decimal("1E+2")],
        "UUIDField": [UUID("12345678-1234-5678-1234-567812345678")],
        "DateTimeField": [__import__("django.utils.timezone", fromlist=["now"]).now()],
    }
    for model in (CulturalObject, Measurement, StatusChange):
        for f in model._meta.concrete_fields:
            adapt = importer._adapter(f, conn)
            for value in samples.get(f.get_internal_type(), []):
                if value is None:
                    continue
                assert adapt is not None, f
                assert repr(_plain(adapt(value))) == repr(_plain(f.get_db_prep_save(value, conn))), (f, value)


# ---------------------------------------------------------------- the whole import

def _import_and_look(rows, user) -> tuple[dict, dict]:
    """Import (partial: the valid rows are written), snapshot what was written, then undo it."""
    sid = transaction.savepoint()
    report = importer.import_rows([(f"line {i + 2}", dict(row)) for i, row in enumerate(rows)], user, partial=True)
    stored = {}
    for obj in CulturalObject.objects.prefetch_related("materials", "techniques", "measurements", "inscriptions"):
        data = services.serialize(obj)
        for key in ("uid", "version"):
            data.pop(key)
        stored[obj.record_number] = (json.dumps(data, sort_keys=True, default=str), obj.search_text)
        assert sorted(obj.search_text.split()) == sorted(build_search_text(obj).split()), obj.record_number
    transaction.savepoint_rollback(sid)
    return report.as_dict(), stored


def test_a_varied_import_gives_the_same_report_and_records_with_and_without_the_memos(editor, no_memos):
    rows = _rows()
    _clear_memos()
    fast_report, fast_stored = _import_and_look(rows, editor)
    no_memos()
    slow_report, slow_stored = _import_and_look(rows, editor)
    assert fast_report == slow_report
    assert fast_stored == slow_stored
    assert fast_report["created"] == len(fast_stored) >= 2 * (3 + len(DATES))
    assert fast_report["failed"] >= len(INVALID)


# ---------------------------------------------------------------- concept closures loaded per batch

@pytest.mark.django_db
def test_closures_loaded_together_hold_what_one_by_one_loading_holds():
    from turath.vocabulary.models import Concept

    concepts = list(Concept.objects.all())
    together, one_by_one = importer.ConceptCache(), importer.ConceptCache()
    together.preload(concepts + [None, concepts[0]])
    assert set(together.closures) == {c.pk for c in concepts}
    for concept in concepts:
        one_by_one._load_closure(concept.pk)
        got, expected = together.closures[concept.pk], one_by_one.closures[concept.pk]
        assert got[0] == expected[0]  # the concept itself first
        assert sorted((cid, sorted(terms)) for cid, terms in got) == sorted(
            (cid, sorted(terms)) for cid, terms in expected), concept
        assert sorted(together.terms(concept, set())) == sorted(one_by_one.terms(concept, set()))
    assert any(len(closure) > 2 for closure in together.closures.values())  # broader chains were walked
