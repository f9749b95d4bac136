
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
        assert report.created == 0 and report.updated == 0
        assert ConceptLabel.objects.count() == before


def data_source(text):
    import io

    return io.BytesIO(text.encode("utf-8"))


def test_real_unesco_thesaurus_imports_idempotently(db):
    report = services.import_skos(str(UNESCO), "turtle")
    assert report.created > 4000
    unesco = Concept.objects.filter(uri__startswith="http://vocabularies.unesco.org/thesaurus/")
    assert unesco.exclude(pref_ar="").count() > 4000
    assert unesco.filter(broader__isnull=False).exists()
    # An Arabic label finds its concept through normalisation (no hamza, no ta marbuta distinction).
    heritage = unesco.filter(pref_en="Cultural heritage").first()
    assert heritage is not None and heritage.pref_fr == "Patrimoine culturel"
    assert heritage.pk in services.concepts_for_term(heritage.pref_ar.replace("ة", "ه"))
    again = services.import_skos(str(UNESCO), "turtle")
    assert again.created == 0 and again.updated == 0


def _vocabulary_state():
    """Every concept as (uri, scheme uri, labels, broader uris, matches): what a SKOS export must carry."""
    concepts = Concept.objects.select_related("scheme").prefetch_related("labels", "broader")
    return {c.uri: (c.scheme.uri, sorted((lab.kind, lab.lang, lab.text) for lab in c.labels.all()),
                    sorted(b.uri for b in c.broader.all()), sorted(c.matches)) for c in concepts}


@pytest.mark.parametrize("fmt", ["turtle", "xml"])
def test_the_whole_skos_export_round_trips_through_rdflib(db, fmt):
    """Export → parse with rdflib → the same concepts, with their labels in Arabic, English and French and
    their broader links; then imported into an empty vocabulary, the same vocabulary again."""
    from rdflib import RDF, URIRef

    from turath.vocabulary.models import ConceptScheme

    before = _vocabulary_state()
    assert len(before) >= 300 and any(broader for _s, _l, broader, _m in before.values())
    text = services.export_skos(fmt)
    graph = Graph().parse(data=text, format=fmt)
    assert {str(s) for s in graph.subjects(RDF.type, SKOS.Concept)} == set(before)
    for uri, (scheme, labels, broader, _matches) in before.items():
        node = URIRef(uri)
        parsed = sorted([("pref", lit.language, str(lit)) for lit in graph.objects(node, SKOS.prefLabel)]
                        + [("alt", lit.language, str(lit)) for lit in graph.objects(node, SKOS.altLabel)])
        assert parsed == labels, uri
        assert {"ar", "en", "fr"} <= {lang for kind, lang, _t in parsed if kind == "pref"}, uri
        assert sorted(str(b) for b in graph.objects(node, SKOS.broader)) == broader, uri
        assert [str(s) for s in graph.objects(node, SKOS.inScheme)] == [scheme], uri

    Concept.broader.through.objects.all().delete()
    Concept.objects.all().delete()
    ConceptScheme.objects.all().delete()
    report = services.import_skos(data_source(text), fmt)
    assert report.created == len(before)
    assert _vocabulary_state() == before
