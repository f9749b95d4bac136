"""SKOS import and export (rdflib), and term look-up across the three languages."""

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import SKOS, XSD

from turath.core import audit
from turath.core.importing import ImportReport
from turath.core.textnorm import search_text

from .models import Concept, ConceptLabel, ConceptScheme

TV = Namespace("https://turath.example.org/vocab/")
STARTER_FILE = Path(__file__).parent / "data" / "starter.ttl"
WORKING_LANGS = ("ar", "en", "fr")
# Keys of the four schemes the register's fields draw from.
OBJECT_TYPES, MATERIALS, TECHNIQUES, PERIODS = "object-types", "materials", "techniques", "periods"


@dataclass
class ThesaurusImportReport(ImportReport):
    """A SKOS import: its rows are the file's concepts (created, updated or unchanged by URI)."""

    KEY = "uri"
    schemes: int = 0
    labels: int = 0
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {**super().as_dict(), "schemes": self.schemes, "labels": self.labels, "warnings": self.warnings}


def _scheme_key(uri: str, graph: Graph) -> str:
    tail = re.split(r"[/#]", uri.rstrip("/#"))[-1] or "scheme"
    return re.sub(r"[^a-z0-9-]+", "-", tail.lower()).strip("-")[:80] or "scheme"


def _langs(graph: Graph, subject, predicate) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for obj in graph.objects(subject, predicate):
        if isinstance(obj, Literal):
            out[(obj.language or "").lower()[:12]].append(str(obj).strip())
    return out


def import_skos(source, fmt: str | None = None, *, default_scheme_key: str | None = None,
                progress=None) -> ThesaurusImportReport:
    """Import a SKOS thesaurus (Turtle, RDF/XML, …). Idempotent on concept URIs; all or nothing."""
    graph = Graph()
    graph.parse(source, format=fmt)
    concepts = set(graph.subjects(RDF.type, SKOS.Concept))
    report = ThesaurusImportReport(source=Path(str(source)).name if isinstance(source, (str, Path)) else "",
                                   format=fmt or "", rows=len(concepts))
    with transaction.atomic():
        schemes: dict[str, ConceptScheme] = {}
        for s in graph.subjects(RDF.type, SKOS.ConceptScheme):
            titles = _langs(graph, s, SKOS.prefLabel) or _langs(graph, s, URIRef("http://purl.org/dc/terms/title"))
            scheme, _ = ConceptScheme.objects.update_or_create(
                uri=str(s),
                defaults={
                    "key": ConceptScheme.objects.filter(uri=str(s)).values_list("key", flat=True).first()
                    or _unique_scheme_key(_scheme_key(str(s), graph)),
                    **{f"title_{lang}": (titles.get(lang) or [""])[0][:300] for lang in WORKING_LANGS},
                },
            )
            schemes[str(s)] = scheme
            report.schemes += 1
        fallback = None
        existing = {c.uri: c for c in Concept.objects.filter(uri__in=[str(c) for c in concepts])}
        by_uri: dict[str, Concept] = {}
        for c in sorted(concepts, key=str):
            uri = str(c)
            in_schemes = [str(x) for x in graph.objects(c, SKOS.inScheme)] + [
                str(x) for x in graph.objects(c, SKOS.topConceptOf)
            ]
            scheme = next((schemes[u] for u in in_schemes if u in schemes), None)
            if scheme is None:
                if fallback is None:
                    key = default_scheme_key or "imported"
                    fallback, _ = ConceptScheme.objects.get_or_create(
                        key=key, defaults={"uri": str(TV[f"scheme/{key}"]), "title_en": key}
                    )
                scheme = fallback
                report.warnings.append(f"{uri}: no skos:inScheme; placed in scheme '{scheme.key}'")
            prefs = _langs(graph, c, SKOS.prefLabel)
            values = {
                "scheme": scheme,
                **{f"pref_{lang}": (prefs.get(lang) or [""])[0][:300] for lang in WORKING_LANGS},
                "matches": sorted({str(m) for p in (SKOS.exactMatch, SKOS.closeMatch) for m in graph.objects(c, p)}),
                "scope_note": " ".join(str(n) for n in graph.objects(c, SKOS.scopeNote) if getattr(n, "language", "en") in (None, "en"))[:4000],
                "start_year": _int(graph.value(c, TV.startYear)),
                "end_year": _int(graph.value(c, TV.endYear)),
            }
            if not any(values[f"pref_{lang}"] for lang in WORKING_LANGS):
                # Keep the concept findable by any label it has (Spanish, Russian, untagged …).
                any_label = next((v[0] for v in prefs.values() if v), uri)
                values["pref_en"] = any_label[:300]
                report.warnings.append(f"{uri}: no Arabic, English or French preferred label")
            concept = existing.get(uri)
            if concept is None:
                concept = Concept.objects.create(uri=uri, **values)
                report.created += 1
            else:
                changed = any(getattr(concept, k) != v for k, v in values.items())
                if changed:
                    for k, v in values.items():
                        setattr(concept, k, v)
                    concept.save()
                    report.updated += 1
                else:
                    report.unchanged += 1
            by_uri[uri] = concept
            if progress:
                progress(1)
        # Labels are rebuilt per concept in bulk: the import is idempotent and fast on 4,000+ concepts.
        ConceptLabel.objects.filter(concept__in=by_uri.values()).delete()
        labels = []
        for uri, concept in by_uri.items():
            seen = set()
            for kind, pred in ((ConceptLabel.PREF, SKOS.prefLabel), (ConceptLabel.ALT, SKOS.altLabel)):
                for lang, texts in _langs(graph, URIRef(uri), pred).items():
                    for text in texts:
                        key = (lang, kind, text[:300])
                        if text and key not in seen:
                            seen.add(key)
                            labels.append(ConceptLabel(concept=concept, lang=lang, kind=kind, text=text[:300],
                                                       norm=search_text(text)[:300]))
        ConceptLabel.objects.bulk_create(labels, batch_size=2000)
        report.labels = len(labels)
        # Hierarchy: skos:broader and the inverse skos:narrower both count.
        through = Concept.broader.through
        through.objects.filter(from_concept__in=by_uri.values()).delete()
        pairs = set()
        for uri, concept in by_uri.items():
            for b in graph.objects(URIRef(uri), SKOS.broader):
                if str(b) in by_uri:
                    pairs.add((concept.pk, by_uri[str(b)].pk))
            for n in graph.objects(URIRef(uri), SKOS.narrower):
                if str(n) in by_uri:
                    pairs.add((by_uri[str(n)].pk, concept.pk))
        through.objects.bulk_create([through(from_concept_id=a, to_concept_id=b) for a, b in pairs], batch_size=2000)
        audit.record("vocabulary.conceptscheme.import", object_type="vocabulary.conceptscheme",
                     object_repr=f"{len(by_uri)} concepts", after={
                         "created": report.created, "updated": report.updated,
                         "schemes": [s.key for s in schemes.values()]})
    report.committed = True
    return report


def _int(value):
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _unique_scheme_key(key: str) -> str:
    candidate, n = key, 2
    while ConceptScheme.objects.filter(key=candidate).exists():
        candidate, n = f"{key}-{n}", n + 1
    return candidate


def export_skos(fmt: str = "turtle", scheme_keys: list[str] | None = None) -> str:
    graph = Graph()
    graph.bind("skos", SKOS)
    graph.bind("tv", TV)
    schemes = ConceptScheme.objects.all()
    if scheme_keys:
        schemes = schemes.filter(key__in=scheme_keys)
    for scheme in schemes:
        s = URIRef(scheme.uri)
        graph.add((s, RDF.type, SKOS.ConceptScheme))
        for lang in WORKING_LANGS:
            if title := getattr(scheme, f"title_{lang}"):
                graph.add((s, SKOS.prefLabel, Literal(title, lang=lang)))
    concepts = Concept.objects.filter(scheme__in=schemes).select_related("scheme").prefetch_related("labels", "broader")
    for concept in concepts:
        c = URIRef(concept.uri)
        graph.add((c, RDF.type, SKOS.Concept))
        graph.add((c, SKOS.inScheme, URIRef(concept.scheme.uri)))
        for label in concept.labels.all():
            pred = SKOS.prefLabel if label.kind == ConceptLabel.PREF else SKOS.altLabel
            graph.add((c, pred, Literal(label.text, lang=label.lang or None)))
        for b in concept.broader.all():
            graph.add((c, SKOS.broader, URIRef(b.uri)))
            graph.add((URIRef(b.uri), SKOS.narrower, c))
        for m in concept.matches:
            graph.add((c, SKOS.exactMatch, URIRef(m)))
        if concept.scope_note:
            graph.add((c, SKOS.scopeNote, Literal(concept.scope_note, lang="en")))
        if concept.start_year is not None:
            graph.add((c, TV.startYear, Literal(concept.start_year, datatype=XSD.integer)))
        if concept.end_year is not None:
            graph.add((c, TV.endYear, Literal(concept.end_year, datatype=XSD.integer)))
    return graph.serialize(format=fmt)


def load_starter(progress=None) -> ThesaurusImportReport:
    return import_skos(str(STARTER_FILE), fmt="turtle", progress=progress)


def concepts_for_term(term: str, scheme_key: str | None = None) -> set[int]:
    """Ids of concepts one of whose labels (any language) equals the term, once normalised."""
    norm = search_text(term)
    if not norm:
        return set()
    qs = ConceptLabel.objects.filter(norm=norm)
    if scheme_key:
        qs = qs.filter(concept__scheme__key=scheme_key)
    return set(qs.values_list("concept_id", flat=True))


def resolve_concept(value: str, scheme_key: str) -> Concept | None:
    """A concept from a URI, an AAT id/URI, or a label in any language; None if ambiguous or unknown."""
    value = (value or "").strip()
    if not value:
        return None
    qs = Concept.objects.filter(scheme__key=scheme_key)
    if value.startswith(("http://", "https://")):
        found = qs.filter(uri=value).first()
        if found:
            return found
        return next((c for c in qs.filter(matches__icontains=value) if value in c.matches), None)
    ids = concepts_for_term(value, scheme_key)
    if len(ids) == 1:
        return qs.get(pk=next(iter(ids)))
    if len(ids) > 1:
        # Prefer the concept for which the term is a preferred label.
        pref = set(ConceptLabel.objects.filter(concept_id__in=ids, kind=ConceptLabel.PREF,
                                               norm=search_text(value)).values_list("concept_id", flat=True))
        if len(pref) == 1:
            return qs.get(pk=pref.pop())
    return None


def suggest(term: str, scheme_key: str, limit: int = 3) -> list[str]:
    """Closest labels for an unknown term (typos, variant spellings), for validation reports."""
    norm = search_text(term)
    labels = dict(ConceptLabel.objects.filter(concept__scheme__key=scheme_key).values_list("norm", "text"))
    close = difflib.get_close_matches(norm, list(labels), n=limit, cutoff=0.6)
    return [labels[n] for n in close]


def expand_with_narrower(concept_ids: set[int]) -> set[int]:
    """A concept and all its descendants, so a search for "coin" also finds dinars and dirhams."""
    result = set(concept_ids)
    frontier = set(concept_ids)
    through = Concept.broader.through
    while frontier:
        children = set(through.objects.filter(to_concept_id__in=frontier).values_list("from_concept_id", flat=True))
        frontier = children - result
        result |= frontier
    return result
