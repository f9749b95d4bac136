
import pytest
from rdflib import Graph
from rdflib.namespace import SKOS

from turath.data import UNESCO_THESAURUS
from turath.vocabulary import services
from turath.vocabulary.models import Concept, ConceptLabel

UNESCO = UNESCO_THESAURUS


def test_starter_vocabulary_is_trilingual_and_large_enough(db):
    starter = Concept.objects.filter(scheme__key__in=["object-types", "materials", "techniques", "periods"])
    assert starter.count() >= 300
    missing = [c.uri for c in starter if not (c.pref_ar and c.pref_en and c.pref_fr)]
    assert missing == []
    # object types have at least two levels
    assert starter.filter(scheme__key="object-types", broader__isnull=False).exists()
    assert starter.exclude(matches=[]).count() > 50


@pytest.mark.parametrize("term", ["مخطوط", "manuscrit", "Manuscript", "المخطوط"])
def test_a_term_in_any_language_finds_the_same_concept(db, term):
    assert services.resolve_concept(term, "object-types") == services.resolve_concept("manuscript", "object-types")


def test_export_and_reimport_roundtrip_in_turtle_and_rdfxml(db):
    for fmt in ("turtle", "xml"):
        text = services.export_skos(fmt, ["materials"])
        g = Graph().parse(data=text, format=fmt)
        langs = {lit.language for lit in g.objects(None, SKOS.prefLabel)}
        assert {"ar", "en", "fr"} <= langs
        before = ConceptLabel.objects.count()
        report = services.import_skos(data_source(text), fmt)
        assert report.concepts_created == 0 and report.concepts_updated == 0
        assert ConceptLabel.objects.count() == before


def data_source(text):
    import io

    return io.BytesIO(text.encode("utf-8"))


def test_real_unesco_thesaurus_imports_idempotently(db):
    report = services.import_skos(str(UNESCO), "turtle")
    assert report.concepts_created > 4000
    unesco = Concept.objects.filter(uri__startswith="http://vocabularies.unesco.org/thesaurus/")
    assert unesco.exclude(pref_ar="").count() > 4000
    assert unesco.filter(broader__isnull=False).exists()
    # An Arabic label finds its concept through normalisation (no hamza, no ta marbuta distinction).
    heritage = unesco.filter(pref_en="Cultural heritage").first()
    assert heritage is not None and heritage.pref_fr == "Patrimoine culturel"
    assert heritage.pk in services.concepts_for_term(heritage.pref_ar.replace("ة", "ه"))
    again = services.import_skos(str(UNESCO), "turtle")
    assert again.concepts_created == 0 and again.concepts_updated == 0
