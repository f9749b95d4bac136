import pytest

from turath.matching import screening
from turath.matching.management.commands.risk import DEMO_FILE
from turath.matching.models import RiskCategory


@pytest.fixture
def categories(db):
    screening.import_categories_csv(DEMO_FILE.read_text(encoding="utf-8"))
    return {c.code: c for c in RiskCategory.objects.all()}


def codes(hits):
    return [h.category.code for h in hits]


def test_demo_set_is_trilingual(categories):
    assert len(categories) >= 8
    for cat in categories.values():
        assert cat.name_ar and cat.name_en and cat.name_fr
        assert all({"ar", "en", "fr"} <= set(i) for i in cat.indicators)


@pytest.mark.parametrize("words, lang, expected", [
    ("Tablette cunéiforme avec dépôts de terre récents", "fr", "mesopotamian-cuneiform"),
    ("رقيم مسماري عليه آثار تربة حديثة", "ar", "mesopotamian-cuneiform"),
    ("ورقة من مصحف عليها ختم وقف", "ar", "islamic-manuscripts"),
    ("Qur'an folio with an ink inventory number", "en", "islamic-manuscripts"),
    ("lot of bronze coins, encrustation", "en", "ancient-coins"),
])
def test_category_hits_with_reasons_in_any_language(categories, words, lang, expected):
    hits = screening.screen(words, lang=lang)
    assert codes(hits)[0] == expected
    assert hits[0].reasons and all(text for _, text in hits[0].reasons)


def test_facets_alone_can_hit_a_category(categories):
    hits = screening.screen("", {"object_type": "cylinder seal", "origin_country": "iq"})
    assert codes(hits)[0] == "mesopotamian-seals"
    assert {k for k, _ in hits[0].reasons} == {"type", "region"}


def test_narrower_type_hits_the_broader_category(categories):
    # A dinar is a coin: the coin category applies through the vocabulary's hierarchy.
    assert "ancient-coins" in codes(screening.screen("dinar"))


def test_unrelated_object_and_empty_input_hit_nothing(categories):
    assert screening.screen("modern ceramic vase made in 2020") == []
    assert screening.screen("") == []
    assert screening.screen("Ωμέγα 漢字 ♞") == []  # unexpected scripts are simply unmatched


def test_material_alone_is_not_enough(categories):
    assert screening.screen("gold") == []


def test_csv_roundtrip_is_idempotent(categories):
    exported = screening.export_categories_csv()
    assert screening.import_categories_csv(exported) == len(categories)
    assert screening.export_categories_csv() == exported


def test_bad_csv_names_row_and_field(categories):
    text = DEMO_FILE.read_text(encoding="utf-8").splitlines()
    bad = text[0] + "\n" + text[1].replace("Cuneiform tablet", "Cuneiform tabelt").replace(",-3500,", ",long ago,")
    with pytest.raises(screening.CategoryImportError) as err:
        screening.import_categories_csv(bad)
    joined = "\n".join(err.value.errors)
    assert "row 2, object_types" in joined and "row 2, period_from" in joined
    with pytest.raises(screening.CategoryImportError, match="missing columns"):
        screening.import_categories_csv("code,name_en\nx,y\n")
