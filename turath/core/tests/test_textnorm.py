import pytest

from turath.core.textnorm import normalise, search_text, tokens


@pytest.mark.parametrize(
    "variant, canonical",
    [
        ("أحمد", "احمد"), ("إسلام", "اسلام"), ("آثار", "اثار"), ("ٱلله", "الله"),
        ("مستشفى", "مستشفي"), ("مكتبة", "مكتبه"),
        ("مَخْطُوطٌ", "مخطوط"),  # harakat
        ("مخـــطوط", "مخطوط"),  # tatweel
        ("١٢٣", "123"),
        ("Céramique", "ceramique"), ("ÉMAIL", "email"), ("Œuvre", "oeuvre"), ("façade", "facade"),
    ],
)
def test_normalise_folds_arabic_and_latin_variants(variant, canonical):
    assert normalise(variant) == canonical


def test_definite_article_is_stripped_from_arabic_tokens_only_when_a_stem_remains():
    assert tokens("المخطوط") == ["مخطوط"]
    assert tokens("والمخطوطات بالذهب") == ["مخطوطات", "ذهب"]
    assert tokens("الله") == ["الله"]  # too short to be article + stem: left alone


def test_french_elision_and_transliteration_marks():
    assert search_text("l'astrolabe d’époque ʿabbasside") == "astrolabe epoque abbasside"
    assert search_text("Qur'an") == search_text("Quran") == "quran"


def test_mixed_right_to_left_text_keeps_both_scripts():
    assert search_text("Folio du Coran «سورة البقرة» (IXe siècle)") == "folio du coran سوره بقره ixe siecle"


def test_empty_and_punctuation_only():
    assert search_text("") == ""
    assert search_text(" — ، ؛ «» ") == ""
