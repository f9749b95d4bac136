"""Checking an intercepted object: photos and words → ranked, explained, permission-filtered candidates.

Every check is recorded (MatchCheck + audit log) with what was asked and what came back; the
officer's decision is recorded too. Candidates pass through the register's permission filter
inside the engine's ranking (before truncation), and the number of confident matches hidden
from the officer is reported, never their content.
"""

import time
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from turath.core import audit
from turath.core.errors import ImageRejected, NotPermitted
from turath.core.parsing import is_id, parse_id
from turath.core.permissions import agency_of
from turath.register.images import check_image, engine_ready
from turath.register.models import CulturalObject
from turath.vocabulary import services as vocab
from turath_engine import BadImageError, EngineError

from . import index, screening, signals
from .index import get_engine
from .models import Decision, MatchCheck

MAX_PHOTOS = 6
REPORTED_STATUSES = ("reported_stolen", "reported_looted")
FACET_SCHEMES = {"object_type": vocab.OBJECT_TYPES, "material": vocab.MATERIALS, "period": vocab.PERIODS}


class CheckRefused(ValueError):
    pass


@dataclass
class CheckedCandidate:
    object: CulturalObject
    score: float
    image_confidence: float | None
    text_score: float | None
    evidence: dict
    matched_image: object | None = None  # the ObjectImage whose photo matched
    similar: bool = False  # the engine found several alike candidates: confidence is shared among them


@dataclass
class CheckOutcome:
    check: MatchCheck
    candidates: list[CheckedCandidate]
    risk_hits: list
    hidden_count: int
    flags: list[str] = field(default_factory=list)
    index_state: dict | None = None  # set while the index is being built: the check saw only part of it

    @property
    def similar_objects(self) -> bool:
        return "similar_objects" in self.flags or any(c.similar for c in self.candidates)


def _visibility(user):
    """A (key, group) → bool callable for the engine, caching one indexed look-up per object."""
    visible_qs = CulturalObject.objects.restrict(user, "view")
    cache: dict[str, bool] = {}

    def allowed(key, group) -> bool:
        g = str(group)
        if g not in cache:
            cache[g] = is_id(g) and visible_qs.filter(pk=parse_id(g)).exists()
        return cache[g]

    return allowed


def _facet_ids(facets: dict) -> dict:
    out = {}
    for name, scheme in FACET_SCHEMES.items():
        values = facets.get(name)
        if values:
            ids = screening._resolve(values, scheme)
            if ids:
                out[name] = [str(i) for i in ids]
    if facets.get("origin_country"):
        out["origin_country"] = [str(facets["origin_country"]).upper()]
    return out


def _is_similar(c) -> bool:
    """Whether the engine marked a candidate as one of several alike objects (attribute or evidence)."""
    return bool(getattr(c, "similar", False) or (getattr(c, "evidence", None) or {}).get("similar"))


def check_object(user, photos: list[tuple[str, bytes]], words: str = "", facets: dict | None = None,
                 *, top: int = 10, lang: str = "en", subject: str = "", reported_only: bool = False) -> CheckOutcome:
    """Run one check. `photos` are (name, bytes) pairs straight from the upload; `subject` is the
    record number of the object being checked when it has one (e.g. a seized item);
    `reported_only` keeps the candidates reported stolen or looted."""
    if agency_of(user) is None:
        raise NotPermitted(_("Only signed-in agency staff can check objects."))
    subject_obj = None
    if subject:
        subject_obj = CulturalObject.objects.restrict(user, "view").filter(record_number=subject).first()
        if subject_obj is None:
            raise CheckRefused(_("No record «%(n)s» that you may see.") % {"n": subject})
    facets = {k: v for k, v in (facets or {}).items() if v}
    if len(photos) > MAX_PHOTOS:
        raise CheckRefused(_("At most %(n)d photos per check.") % {"n": MAX_PHOTOS})
    checked = []
    for name, data in photos:
        try:
            checked.append(check_image(data, name))  # size, format, bombs, truncation
        except ImageRejected as exc:
            raise CheckRefused(str(exc)) from None
    if not checked and not words.strip() and not facets:
        raise CheckRefused(_("Give at least one photo, a few words or a facet."))
    started = time.perf_counter()
    engine_facets = _facet_ids(facets)
    result = None
    flags: list[str] = []
    if checked or words.strip():
        try:
            result = get_engine().query(images=[engine_ready(c.data, c.mime, c.image) for c in checked],
                                        text=words or None,
                                        facets=engine_facets, top=top * 5 if reported_only else top,
                                        allowed_keys=_visibility(user))
            flags = list(result.flags)
        except BadImageError as exc:
            raise CheckRefused(str(exc)) from None
        except EngineError as exc:
            # The register keeps working without its index; the officer is told plainly.
            flags.append("index_unavailable")
            flags.append(str(exc))
    hits = screening.screen(words, facets, lang=lang)
    candidates = []
    if result is not None:
        by_pk = {str(o.pk): o for o in CulturalObject.objects.restrict(user, "view")
                 .filter(pk__in=[parse_id(str(c.group)) for c in result.candidates if is_id(str(c.group))])
                 .select_related("object_type", "owning_agency").prefetch_related("images")}
        for c in result.candidates:
            obj = by_pk.get(str(c.group))
            if subject_obj is not None and obj is not None and obj.pk == subject_obj.pk:
                continue  # the checked object's own record (its photo is indexed too) is no candidate
            if obj is None:  # visibility changed between ranking and now: never show it
                continue
            if reported_only and obj.status not in REPORTED_STATUSES:
                continue
            matched = None
            image_key = (c.evidence.get("image") or {}).get("key", "")
            if image_key:
                prefix = image_key.split(":", 1)[-1]
                matched = next((im for im in obj.images.all() if im.sha256.startswith(prefix)), None)
            candidates.append(CheckedCandidate(obj, c.score, c.image_confidence, c.text_score, c.evidence, matched,
                                               similar=_is_similar(c)))
        candidates = candidates[:top]
        if (any(c.similar for c in candidates) or getattr(result, "similar", False)) and "similar_objects" not in flags:
            flags.append("similar_objects")
    elapsed = (time.perf_counter() - started) * 1000
    hidden = result.hidden_count if result is not None else 0
    index_state = None
    if result is not None:
        state = index.status()
        if state["building"] or state["images"] < state["total_images"]:
            index_state = state  # the answer came from part of the register's photographs
            flags.append("index_partial")
    with transaction.atomic():
        check = MatchCheck.objects.create(
            by=user, agency=user.agency, words=words[:2000], facets=facets,
            photos=[c.sha256 for c in checked],
            candidates=[{"record_number": c.object.record_number, "object": c.object.pk, "score": c.score}
                        for c in candidates],
            risk_hits=[h.as_dict("en") for h in hits], hidden_matches=hidden, elapsed_ms=round(elapsed, 1),
            hidden_objects=[pk for g in getattr(result, "hidden_groups", []) if (pk := parse_id(g)) is not None],
            subject=subject_obj)
        audit.record("matching.check.run", check, object_repr=f"check {check.uid}",
                     after={"photos": check.photos, "words": check.words, "candidates": check.candidates,
                            "hidden_matches": hidden, "subject": subject_obj.record_number if subject_obj else ""})
    return CheckOutcome(check, candidates, hits, hidden, flags, index_state)


def request_contact(user, check: MatchCheck) -> None:
    """The officer asks the secretariat to put them in touch with the agencies owning the confident
    matches hidden from them: audited, and sent as `contact_requested` (cases alerts the secretariat,
    listing the hidden records as the secretariat may see them); the officer learns nothing more
    about those records."""
    if check.by_id != user.pk and check.agency_id != user.agency_id:
        raise NotPermitted(_("Only the agency that made the check can ask."))
    if not check.hidden_matches:
        raise CheckRefused(_("This check found no match hidden from your agency."))
    with transaction.atomic():
        audit.record("matching.check.request_contact", check, object_repr=f"check {check.uid}",
                     after={"hidden_matches": check.hidden_matches, "agency": user.agency.code if user.agency else "",
                            "photos": check.photos, "words": check.words})
        signals.contact_requested.send(sender=MatchCheck, user=user, check=check)


def record_decision(user, check: MatchCheck, decision: str, record_number: str = "", note: str = "") -> MatchCheck:
    """The officer's verdict on a candidate. "Same object" alerts the owning agency (via the audit
    trail and, where the cases app is installed, its alert inbox)."""
    if not MatchCheck.objects.permits(user, "change", check):
        raise NotPermitted(_("Only the officer who made the check, or an editor of the agency, decides."))
    if decision not in Decision.values:
        raise CheckRefused(_("Unknown decision «%(d)s».") % {"d": decision})
    obj = None
    if record_number:
        obj = CulturalObject.objects.restrict(user, "view").filter(record_number=record_number).first()
        if obj is None or obj.pk not in {c.get("object") for c in check.candidates}:
            raise CheckRefused(_("That record is not one of this check's candidates."))
    elif decision == Decision.SAME:
        raise CheckRefused(_("Say which candidate is the same object."))
    with transaction.atomic():
        check.decision, check.decided_object, check.decision_note = decision, obj, note[:2000]
        check.decided_at = timezone.now()
        check.save(update_fields=["decision", "decided_object", "decision_note", "decided_at"])
        audit.record("matching.check.decide", check, object_repr=f"check {check.uid}",
                     after={"decision": decision, "record_number": record_number, "note": note,
                            "owning_agency": obj.owning_agency.code if obj else ""})
        if decision == Decision.SAME and obj is not None:
            _notify_owner(user, check, obj)
    return check


def _notify_owner(user, check, obj):
    """Tell whoever listens (cases: alert the owning agency and, when the checked object is a seized
    item, link the seizure to the record) that one of its records was recognised at an inspection."""
    signals.match_confirmed.send(sender=MatchCheck, user=user, obj=obj, check=check)
