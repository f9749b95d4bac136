"""Writing the demo's rows in bulk: records, their concepts, measurements, inscriptions and status
history, with the search text composed as register/search.py does."""

from datetime import datetime
from decimal import Decimal

from django.db import transaction

from turath.vocabulary import services as vocab
from turath.vocabulary.models import Concept

from ..dates import parse_date
from ..models import CulturalObject, Inscription, Measurement, StatusChange
from ..search import _concept_terms, compose_search_text


class _ConceptIndex:
    """Concepts by pref_en label per scheme, with their search terms cached (as search._concept_terms makes them)."""

    def __init__(self):
        self.by_label: dict[tuple[str, str], Concept] = {}
        for c in Concept.objects.select_related("scheme").filter(
                scheme__key__in=[vocab.OBJECT_TYPES, vocab.MATERIALS, vocab.TECHNIQUES, vocab.PERIODS]):
            self.by_label.setdefault((c.scheme.key, c.pref_en), c)
        self._terms: dict[int, list[str]] = {}

    def get(self, scheme, label):
        return self.by_label.get((scheme, label)) if label else None

    def terms(self, concept, seen: set) -> list[str]:
        """Same terms as search._concept_terms(concept, seen): the hierarchy walk is computed once per
        concept, then the concepts an earlier concept of the record already covered are left out."""
        if concept.pk not in self._terms:
            self._terms[concept.pk] = _walk(concept)
        walked = self._terms[concept.pk]
        out = [term for term, cid in walked if cid not in seen]
        seen.update(cid for _, cid in walked)
        return out


def _walk(concept) -> list[tuple[str, int]]:
    """search._concept_terms from a fresh start, each term tagged with the concept it belongs to."""
    out, current = [], None
    for term in _concept_terms(concept, set()):
        if term.startswith("cpt") and term[3:].isdigit():
            current = int(term[3:])
        out.append((term, current))
    return out


def insert_rows(rows: list[dict], agencies: dict, editors: dict, index: _ConceptIndex) -> list[CulturalObject]:
    """Write a batch of demo rows in one transaction: objects, concept links, measurements,
    inscriptions and status history, with search text composed as register/search.py does."""
    objs, links = [], []
    for row in rows:
        parsed = parse_date(row["date"])
        otype = index.get(vocab.OBJECT_TYPES, row["object_type"])
        period = index.get(vocab.PERIODS, row["period"])
        materials = [c for c in (index.get(vocab.MATERIALS, m) for m in row["materials"]) if c]
        techniques = [c for c in (index.get(vocab.TECHNIQUES, t) for t in row["techniques"]) if c]
        history = row["status_history"]
        agency = agencies[row["owning_agency"]]
        values = {
            "record_number": row["record_number"], "title": row["title"], "description": row["description"],
            "distinguishing_features": row["distinguishing_features"], "subject": {},
            "date_text": parsed.text if parsed else "", "date_calendar": parsed.calendar if parsed else "",
            "date_earliest": parsed.earliest if parsed else None, "date_latest": parsed.latest if parsed else None,
            "hijri_earliest": parsed.hijri_earliest if parsed else None,
            "hijri_latest": parsed.hijri_latest if parsed else None,
            "maker": "", "related_written_material": "", "inventory_numbers": row["inventory_numbers"],
            "cross_references": [], "place_of_origin": row["place_of_origin"],
            "place_of_discovery": row["place_of_discovery"], "current_holder": row["current_holder"] or "",
            "origin_country": row["origin_country"],
        }
        search = compose_search_text(values, [i["text"] for i in row["inscriptions"]],
                                     [otype, period, *materials, *techniques], concept_terms=index.terms)
        obj = CulturalObject(
            owning_agency=agency, sharing=row["sharing"], object_type=otype, period=period,
            status=history[-1]["status"], version=len(history), created_by=editors.get(agency.code),
            date_documented=datetime.fromisoformat(row["date_documented"]).date() if row["date_documented"] else None,
            search_text=search, **values)
        objs.append(obj)
        links.append((materials, techniques, row, history))
    with transaction.atomic():
        CulturalObject.objects.bulk_create(objs, batch_size=500)
        mat_through, tech_through = CulturalObject.materials.through, CulturalObject.techniques.through
        mats, techs, measures, inscriptions, changes = [], [], [], [], []
        for obj, (materials, techniques, row, history) in zip(objs, links, strict=True):
            mats += [mat_through(culturalobject_id=obj.pk, concept_id=c.pk) for c in materials]
            techs += [tech_through(culturalobject_id=obj.pk, concept_id=c.pk) for c in techniques]
            measures += [Measurement(object_id=obj.pk, dimension=m["dimension"], value=Decimal(m["value"]),
                                     unit=m["unit"]) for m in row["measurements"]]
            inscriptions += [Inscription(object_id=obj.pk, kind=i["kind"], text=i["text"], script=i["script"],
                                         position=i["position"]) for i in row["inscriptions"]]
            editor = editors.get(obj.owning_agency.code)
            previous = ""
            for step in history:
                changes.append(StatusChange(object_id=obj.pk, from_status=previous, to_status=step["status"],
                                            by=editor, agency_code=obj.owning_agency.code, note=step["note"]))
                changes[-1].demo_at = datetime.fromisoformat(step["at"])
                previous = step["status"]
            obj.created = datetime.fromisoformat(history[0]["at"])
            obj.status_changed = datetime.fromisoformat(history[-1]["at"])
        mat_through.objects.bulk_create(mats, batch_size=1000)
        tech_through.objects.bulk_create(techs, batch_size=1000)
        Measurement.objects.bulk_create(measures, batch_size=1000)
        Inscription.objects.bulk_create(inscriptions, batch_size=1000)
        StatusChange.objects.bulk_create(changes, batch_size=1000)
        # auto_now_add stamps "now" on insert; the demo's history is spread over years, so set it after.
        for change in changes:
            change.at = change.demo_at
        StatusChange.objects.bulk_update(changes, ["at"], batch_size=500)
        CulturalObject.objects.bulk_update(objs, ["created", "status_changed"], batch_size=500)
    return objs
