"""Fusion: image and text evidence per register entry turned into ranked, calibrated candidates.

Calibration (``data/calibration.json``, fitted by ``benchmarks/matching/run.py --calibrate`` and
``text_bench.py --calibrate``) maps inliers and text scores to confidences; the photo and the words
are fused, never intersected; confidence is shared between look-alikes; ``allowed_keys`` hides what
the caller may not see and counts the confident matches it hid.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from . import text as textmod

CALIBRATION_FILE = os.path.join(os.path.dirname(__file__), "data", "calibration.json")

_DEFAULT_CAL = {
    # Overwritten by data/calibration.json, fitted by benchmarks/matching/calibrate.py.
    "image": {"a": -6.0, "b": 2.2, "feature": "log1p_inliers"},
    "text": {"a": -5.0, "b": 8.0},
    "text_weight": 2.5,
    "facet_boost": 0.4,
    "threshold": 0.5,
}

Allowed = set | Callable[[str, str], bool] | None


def load_calibration() -> dict:
    try:
        with open(CALIBRATION_FILE, encoding="utf-8") as fh:
            cal = json.load(fh)
        return {**_DEFAULT_CAL, **cal}
    except (OSError, ValueError):
        return dict(_DEFAULT_CAL)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, x))))


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def image_confidence(cal: dict, inliers: int) -> float:
    c = cal["image"]
    return _sigmoid(c["a"] + c["b"] * math.log1p(inliers))


def confident_inliers(cal: dict, threshold: float) -> int:
    """The fewest inliers whose image confidence alone reaches the no-match threshold."""
    n = 0
    while image_confidence(cal, n) < threshold and n < 100_000:
        n += 1
    return n


# ---------------------------------------------------------------- results


@dataclass
class Candidate:
    key: str  # the group (object) key when grouping, else the image/text key
    score: float  # calibrated confidence that this is the same object, 0..1
    group: str
    image_confidence: float | None = None
    text_score: float | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    # the candidate's own calibrated confidence, before sharing it with look-alike candidates
    independent_score: float | None = None
    similar: bool = False  # another candidate is (independently) about as likely: "similar objects"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class QueryResult:
    candidates: list[Candidate]
    hidden_count: int = 0  # matches above the threshold that allowed_keys hid from this caller
    # which entries those were: for the host application only (to ask their owners on the caller's
    # behalf), never for the caller; not in to_dict()
    hidden_groups: list[str] = field(default_factory=list)
    threshold: float = 0.5
    flags: list[str] = field(default_factory=list)
    ms: float = 0.0
    similar: bool = False  # several candidates are alike: no single one can be trusted as "the" object

    def to_dict(self) -> dict:
        return {"candidates": [c.to_dict() for c in self.candidates], "hidden_count": self.hidden_count,
                "threshold": self.threshold, "flags": self.flags, "ms": self.ms, "similar": self.similar}


# ---------------------------------------------------------------- fusion


def fuse(per_image: dict[int, dict], tscores: dict[str, tuple[float, dict]], text_meta: Callable[[str], dict],
         cal: dict, threshold: float, *, with_images: bool, facets: dict | None, filters: dict | None, top: int,
         allowed_keys: Allowed, group: bool, include_below_threshold: bool,
         flags: list[str]) -> tuple[list[Candidate], list[str], bool]:
    """Group the verified images and the text scores by register entry and fuse them.

    Returns (visible candidates best first, at most ``top``; the groups of the confident matches
    hidden by ``allowed_keys``; whether several candidates are look-alikes). Appends ``similar_objects`` to
    ``flags`` when they are."""
    groups: dict[str, dict] = {}
    for ev in per_image.values():
        g = ev["group"] if group else ev["key"]
        cur = groups.get(g)
        if cur is None or ev["inliers"] > cur["img"]["inliers"]:
            groups[g] = {"img": ev, "meta": ev["meta"], "keys": (cur or {}).get("keys", [])}
        groups[g]["keys"].append(ev["key"])
    for g, (s, ev) in tscores.items():
        groups.setdefault(g, {"img": None, "meta": text_meta(ev["text_key"]), "keys": []})
        groups[g]["text"] = (s, ev)
    cands = []
    for g, info in groups.items():
        meta = info["meta"] or {}
        if filters and not _facets_match_all(meta, filters):
            continue
        tsc = info.get("text", (None, None))
        img_ev = info["img"]
        nf = _facets_match_count(meta, facets) if facets else 0
        # the words alone: calibrated on the text benchmark (never a flat 1.00, see below)
        text_logit = None if tsc[0] is None else cal["text"]["a"] + cal["text"]["b"] * tsc[0]
        if with_images:
            p_img = image_confidence(cal, img_ev["inliers"]) if img_ev else image_confidence(cal, 0)
            logit = _logit(p_img)
            if tsc[0] is not None:
                logit += cal["text_weight"] * (tsc[0] - 0.5)
            # Fuse, never intersect: a photo that finds nothing (a poor phone photo) must not
            # hide what the words find, so a candidate keeps at least its words-only score.
            if text_logit is not None:
                logit = max(logit, text_logit)
        else:
            p_img = None
            logit = text_logit if text_logit is not None else cal["text"]["a"]
        logit += cal["facet_boost"] * nf
        score = _sigmoid(logit)
        evidence: dict[str, Any] = {}
        if img_ev:
            evidence["image"] = {k: img_ev[k] for k in ("key", "query_index", "inliers", "matches", "bow_score",
                                                        "ref_polygon", "ref_bbox", "query_polygon", "pdq_distance")}
            # the photo matched as its mirror image (left and right swapped)
            evidence["image"]["mirrored"] = bool(img_ev.get("mirrored"))
            evidence["image_keys"] = info["keys"]
        if tsc[1]:
            evidence["text"] = tsc[1]
        if nf:
            evidence["facets_matched"] = nf
        cands.append(Candidate(key=g, score=score, group=g, image_confidence=None if p_img is None else round(p_img, 4),
                               text_score=None if tsc[0] is None else round(tsc[0], 4), evidence=evidence, meta=meta))
    similar = _share_among_alike(cands, threshold)
    if similar:
        flags.append("similar_objects")
    cands.sort(key=lambda c: (-c.score, c.key))
    visible, hidden = [], []
    for c in cands:
        # The no-match threshold applies to a candidate's own confidence: look-alikes are all
        # shown (flagged similar, each with its shared, lower confidence), never dropped for
        # resembling each other.
        ok = allowed(allowed_keys, c)
        if not ok:
            if c.independent_score >= threshold:
                hidden.append(c.group)
            continue
        if c.independent_score < threshold and not include_below_threshold:
            continue
        visible.append(c)
    return visible[:top], hidden, similar


def _share_among_alike(cands: list[Candidate], threshold: float) -> bool:
    """At most one register entry is the photographed object, so the candidates' confidences are
    shared as mutually exclusive hypotheses: P(i) = odds_i / (1 + sum of all odds). One confident
    candidate among weak ones keeps its confidence; four look-alike coins that each match
    (independently 0.8) fall to ~0.2 each, and are flagged ``similar``. Returns whether any were."""
    odds = [min(c.score, 1 - 1e-9) / (1 - min(c.score, 1 - 1e-9)) for c in cands]
    per_group: dict[str, float] = {}  # images of one object (group=False) are one hypothesis
    for c, o in zip(cands, odds, strict=True):
        per_group[c.group] = max(o, per_group.get(c.group, 0.0))
    total = 1.0 + sum(per_group.values())
    alike = {c.group for c in cands if c.score >= threshold}
    for c, o in zip(cands, odds, strict=True):
        c.independent_score = round(c.score, 4)
        c.score = round(o / total, 4)
        c.similar = len(alike) > 1 and c.independent_score >= threshold
    return len(alike) > 1


# ---------------------------------------------------------------- who may see what


class KeyGroup:
    """An image's key and group, asked about before it is verified (``allowed`` takes either this or a Candidate)."""

    __slots__ = ("key", "group")

    def __init__(self, key, group):
        self.key = key
        self.group = group


def allowed(allowed_keys: Allowed, c) -> bool:
    if allowed_keys is None:
        return True
    if callable(allowed_keys):
        return bool(allowed_keys(c.key, c.group))
    if c.key in allowed_keys or c.group in allowed_keys:
        return True
    # a grouped candidate is visible if any of its image keys is
    keys = getattr(c, "evidence", {}).get("image_keys", []) if hasattr(c, "evidence") else []
    return any(k in allowed_keys for k in keys)


# ---------------------------------------------------------------- facets


def _norm_values(v) -> set[str]:
    if v is None:
        return set()
    if isinstance(v, (list, tuple, set, frozenset)):
        return {textmod.normalize(str(x)) for x in v}
    return {textmod.normalize(str(v))}


def _facets_match_count(meta: dict, facets: dict) -> int:
    return sum(1 for f, want in facets.items() if _norm_values(meta.get(f)) & _norm_values(want))


def _facets_match_all(meta: dict, filters: dict) -> bool:
    return all(_norm_values(meta.get(f)) & _norm_values(want) for f, want in filters.items())
