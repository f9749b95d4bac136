"""A row as a record: CSV cells and JSON elements turned into the dict services.validate_record reads
(translations, languages, inscriptions, concepts), and the concepts of an import looked up once."""

import json
import re
from collections.abc import Iterable

from django.utils.translation import gettext as _

from turath.core.parsing import is_id, parse_id
from turath.vocabulary import services as vocab
from turath.vocabulary.models import Concept, ConceptLabel

from .. import services
from ..search import concept_token
from .columns import DERIVED_KEYS, JSON_KEYS, LANGS


def _json_concept(value):
    if isinstance(value, dict):
        return value.get("uri") or value.get("id") or ""
    return value


_DATA_KEYS = JSON_KEYS - DERIVED_KEYS
_TRANSLATION_KEYS = {fld: tuple((code, f"{fld}_{code}") for code in LANGS) for fld in services.TEXT_FIELDS}


def row_to_data(row: dict) -> tuple[dict, dict[str, list[str]]]:
    """A CSV row or JSON element as the dict validate_record reads, plus errors of the row's shape."""
    errors: dict[str, list[str]] = {}
    if not row.keys() <= JSON_KEYS:
        unknown = sorted(k for k in row if k not in JSON_KEYS)
        errors["row"] = [_("Unknown fields: %(f)s.") % {"f": ", ".join(unknown)}]
    data = {k: v.strip() if isinstance(v, str) else v for k, v in row.items() if k in _DATA_KEYS}
    lang, field_langs = _languages(str(data.get("language") or data.get("lang") or ""), errors)
    if lang:
        data["language"] = lang
    machine = _machine_translated(str(data.pop("machine_translated", "") or ""))
    for fld, keys in _TRANSLATION_KEYS.items():
        translations = {}
        for code, key in keys:
            text = data.pop(key, None)
            if text:
                translations[code] = text
        if data.get(fld) == {}:
            data[fld] = ""  # serialize() writes an empty text as {}
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
            data[key] = _json_concept(data[key])
    for key in ("materials", "techniques"):
        if isinstance(data.get(key), list):
            data[key] = [_json_concept(v) for v in data[key]]
    return data, errors


# The few distinct `language` and `machine_translated` cells of a file, each read once (bounded).
_LANGUAGE_CELLS: dict[str, tuple[str, dict[str, str], tuple[str, ...]]] = {}
_MACHINE_CELLS: dict[str, frozenset] = {}
_CELLS_MAX = 10_000


def _machine_translated(value: str) -> frozenset:
    said = _MACHINE_CELLS.get(value)
    if said is None:
        if len(_MACHINE_CELLS) >= _CELLS_MAX:
            _MACHINE_CELLS.clear()
        said = _MACHINE_CELLS[value] = frozenset(
            m.strip().lower() for m in value.replace(",", ";").split(";") if m.strip())
    return said


def _languages(value: str, errors: dict) -> tuple[str, dict[str, str]]:
    """The `language` cell: the default original language, then optional per-field exceptions,
    e.g. "ar; description=fr" (the exporter writes these when a record's texts differ in language)."""
    said = _LANGUAGE_CELLS.get(value)
    if said is None:
        if len(_LANGUAGE_CELLS) >= _CELLS_MAX:
            _LANGUAGE_CELLS.clear()
        said = _LANGUAGE_CELLS[value] = _read_languages(value)
    default, per_field, wrong = said
    for part in wrong:
        errors.setdefault("language", []).append(
            _("«%(v)s»: write a language code (ar, en, fr), optionally followed by field=code.") % {"v": part})
    return default, dict(per_field)


_LANG_CODE = re.compile(r"[a-z]{2,3}")


def _read_languages(value: str) -> tuple[str, dict[str, str], tuple[str, ...]]:
    """(default language, per-field languages, the parts that are not understood) of a `language` cell."""
    default, per_field, wrong = "", {}, []
    for part in (p.strip() for p in value.replace(",", ";").split(";")):
        if not part:
            continue
        fld, _sep, code = part.rpartition("=")
        fld, code = fld.strip(), code.strip().lower()
        if not _LANG_CODE.fullmatch(code) or (fld and fld not in services.TEXT_FIELDS):
            wrong.append(part)
        elif fld:
            per_field[fld] = code
        else:
            default = code
    return default, per_field, tuple(wrong)


class ConceptCache:
    """Term → concept per scheme, and concept → its search tokens with its broader concepts', each
    looked up once per import."""

    def __init__(self):
        self.resolved: dict[tuple[str, str], Concept | None] = {}
        self.closures: dict[int, list[tuple[int, list[str]]]] = {}

    def resolve(self, value, scheme_key):
        if value in (None, "") or isinstance(value, Concept):
            return value
        key = (scheme_key, str(value).strip())
        if key not in self.resolved:
            term = key[1]
            if is_id(term):
                found = Concept.objects.filter(pk=parse_id(term), scheme__key=scheme_key).first()
            else:
                found = vocab.resolve_concept(term, scheme_key)
            self.resolved[key] = found
        # An unknown term stays as written: validate_record reports it with its suggestions.
        return self.resolved[key] or value

    def prepare(self, data: dict) -> dict:
        for fld, scheme in services.CONCEPT_FIELDS.items():
            if fld in data:
                data[fld] = self.resolve(data[fld], scheme)
        for fld, scheme in services.CONCEPT_LIST_FIELDS.items():
            if fld in data:
                data[fld] = [self.resolve(v, scheme) for v in services._split(data[fld])]
        return data

    def terms(self, concept: Concept, seen: set) -> list[str]:
        """Same tokens as search._concept_terms, from the cache."""
        if concept.pk not in self.closures:
            self._load_closure(concept.pk)
        out = []
        for cid, terms in self.closures[concept.pk]:
            if cid not in seen:
                seen.add(cid)
                out.extend(terms)
        return out

    def preload(self, concepts: Iterable):
        """Load the closures of many concepts at once (a batch's): one query per level of broader links and
        one for the labels, where terms() would query each concept separately. The same concepts and labels
        as _load_closure; within a level, parents come in the order of their ids."""
        todo = list(dict.fromkeys(c.pk for c in concepts if c is not None and c.pk not in self.closures))
        if len(todo) < 2:
            return
        through = Concept.broader.through
        parents: dict[int, list[int]] = {}
        known, frontier = set(todo), todo
        while frontier:
            for child, parent in through.objects.filter(from_concept_id__in=frontier).order_by(
                    "from_concept_id", "to_concept_id").values_list("from_concept_id", "to_concept_id"):
                parents.setdefault(child, []).append(parent)
            frontier = [p for f in frontier for p in parents.get(f, ()) if p not in known]
            frontier = list(dict.fromkeys(frontier))
            known.update(frontier)
        labels: dict[int, list[str]] = {cid: [] for cid in known}
        for cid, norm in ConceptLabel.objects.filter(concept_id__in=known).values_list("concept_id", "norm"):
            labels[cid].append(norm)
        for concept_id in todo:
            order, level = [concept_id], [concept_id]
            while level:
                level = [p for p in dict.fromkeys(p for f in sorted(level) for p in parents.get(f, ())) if p not in order]
                order.extend(level)
            self.closures[concept_id] = [(cid, [concept_token(cid), *labels[cid]]) for cid in order]

    def _load_closure(self, concept_id: int):
        through = Concept.broader.through
        order, frontier = [concept_id], [concept_id]
        while frontier:
            parents = list(through.objects.filter(from_concept_id__in=frontier).values_list("to_concept_id", flat=True))
            frontier = [p for p in dict.fromkeys(parents) if p not in order]
            order.extend(frontier)
        labels: dict[int, list[str]] = {cid: [] for cid in order}
        for cid, norm in ConceptLabel.objects.filter(concept_id__in=order).values_list("concept_id", "norm"):
            labels[cid].append(norm)
        self.closures[concept_id] = [(cid, [concept_token(cid), *labels[cid]]) for cid in order]
