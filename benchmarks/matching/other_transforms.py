"""Transformations the benchmark's families do not draw, tried on an index built by run.py: how many
register photos each finds at rank 1 and with confidence. A probe for blind spots (a mirrored copy
was one: 1 of 15 before the mirror-image search), not a tuning set.

    .venv/bin/python benchmarks/matching/other_transforms.py --index /tmp/tb/index --size 1000 \
        [--only hflip,pad_small] [--n 15] [--out /tmp/other.json]

The register photos are drawn with their own seed (21), apart from the calibration (3) and evaluation
(7) photos.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", ".."))

import synth  # noqa: E402

from turath_engine.engine import Engine  # noqa: E402


def _jpeg(rgb: np.ndarray, quality: int = 90) -> bytes:
    return cv2.imencode(".jpg", cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2BGR),
                        [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes()


def transform(name: str, img: np.ndarray, rng) -> np.ndarray:
    h, w = img.shape[:2]
    whole = np.full((h, w), 255, np.uint8)
    if name == "hflip":  # a mirrored copy
        return img[:, ::-1]
    if name == "rot90":
        return np.rot90(img)
    if name == "rot180":
        return img[::-1, ::-1]
    if name == "gray":
        return np.repeat(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)[:, :, None], 3, 2)
    if name == "caption":  # a sale listing's banner and watermark
        out = img.copy()
        bh = int(h * 0.18)
        out[:bh] = 255
        cv2.putText(out, "SOLD - lot 123 antique", (10, bh - 15), cv2.FONT_HERSHEY_SIMPLEX, w / 500, (0, 0, 0), 2)
        cv2.putText(out, "(c) auction house", (int(w * 0.3), int(h * 0.6)), cv2.FONT_HERSHEY_SIMPLEX, w / 400,
                    (255, 255, 255), 3)
        return out
    if name == "pad_small":  # the picture at half size on a page twice as large (a screenshot)
        page = np.full((h * 2, w * 2, 3), 245, np.uint8)
        small = cv2.resize(img, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
        y, x = int(rng.integers(0, h * 2 - h // 2)), int(rng.integers(0, w * 2 - w // 2))
        page[y:y + h // 2, x:x + w // 2] = small
        return page
    if name == "stretch":
        return cv2.resize(img, (int(w * 1.4), h))
    if name == "blur3":
        return cv2.GaussianBlur(img, (0, 0), 3)
    if name == "jpeg10":
        return synth._jpeg(img, 10)
    if name == "tiny96":
        s = 96 / max(h, w)
        return cv2.resize(img, (int(w * s), int(h * s)), interpolation=cv2.INTER_AREA)
    if name == "overexposed":
        return np.clip(img.astype(np.float32) * 1.8 + 30, 0, 255).astype(np.uint8)
    if name == "crop_rotate":
        c, _ = synth._crop(rng, img, whole, 0.6)
        m = cv2.getRotationMatrix2D((c.shape[1] / 2, c.shape[0] / 2), 25, 1.0)
        return cv2.warpAffine(c, m, (c.shape[1], c.shape[0]), borderMode=cv2.BORDER_REFLECT)
    if name == "crop25":
        return synth._crop(rng, img, whole, 0.25)[0]
    if name == "tilt60":  # a strong out-of-plane tilt: the far side at 45 % of the near side's height
        src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
        dst = np.float32([[0, 0], [w * 0.75, h * 0.275], [w * 0.75, h * 0.725], [0, h]])
        return cv2.warpPerspective(img, cv2.getPerspectiveTransform(src, dst), (int(w * 0.75), h),
                                   borderMode=cv2.BORDER_CONSTANT, borderValue=(90, 90, 90))
    if name == "motion_blur":  # a shaken phone: 15 px along a diagonal
        k = np.eye(15, dtype=np.float32) / 15
        return cv2.filter2D(img, -1, k)
    if name == "noise25":  # a dark room's sensor noise, sigma 25
        return np.clip(img + rng.normal(0, 25, img.shape), 0, 255).astype(np.uint8)
    if name == "haze":  # contrast cut to a third (glass, haze, a washed-out print)
        return (img.astype(np.float32) * 0.33 + 150).astype(np.uint8)
    if name == "barrel":  # a phone's wide-angle lens, close up: barrel distortion
        f = max(w, h)
        cam = np.float32([[f, 0, w / 2], [0, f, h / 2], [0, 0, 1]])
        mx, my = cv2.initUndistortRectifyMap(cam, np.float32([0.35, 0, 0, 0]), None, cam, (w, h), cv2.CV_32FC1)
        return cv2.remap(img, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    if name == "halftone":  # printed in a catalogue and scanned: a 45-degree dot screen of 4 px, blurred
        g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        u, v = (xx + yy) / np.sqrt(2), (xx - yy) / np.sqrt(2)
        screen = 0.5 + 0.25 * (np.cos(2 * np.pi * u / 4) + np.cos(2 * np.pi * v / 4))
        dots = ((g > screen) * 255).astype(np.uint8)
        return np.repeat(cv2.GaussianBlur(dots, (0, 0), 1.0)[:, :, None], 3, 2)
    raise ValueError(name)


NAMES = ["hflip", "rot90", "rot180", "gray", "caption", "pad_small", "stretch", "blur3", "jpeg10", "tiny96",
         "overexposed", "crop_rotate", "crop25", "tilt60", "motion_blur", "noise25", "haze", "barrel", "halftone"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", required=True)
    ap.add_argument("--size", type=int, required=True)
    ap.add_argument("--only", default=",".join(NAMES))
    ap.add_argument("--n", type=int, default=15)
    ap.add_argument("--out")
    a = ap.parse_args()
    eng = Engine.open(a.index)
    picks = np.random.default_rng(21).choice(a.size, a.n, replace=False)
    report = {}
    for name in a.only.split(","):
        rows = []
        for i in picks:
            i = int(i)
            img, _mask = synth.reference(i)
            q = transform(name, img, np.random.default_rng([5, i]))
            res = eng.query(images=[_jpeg(q)], top=10, include_below_threshold=True)
            keys = [c.key for c in res.candidates]
            rank = keys.index(f"r{i}") + 1 if f"r{i}" in keys else None
            top = res.candidates[0] if res.candidates else None
            rows.append({"i": i, "rank": rank, "confident": bool(top and rank == 1 and top.independent_score >= eng.threshold),
                         "mirrored": bool(top and (top.evidence.get("image") or {}).get("mirrored"))})
        report[name] = {"rank1": sum(r["rank"] == 1 for r in rows), "confident": sum(r["confident"] for r in rows),
                        "n": len(rows), "rows": rows}
        print(f"{name:12s} rank 1: {report[name]['rank1']}/{len(rows)}  confident: {report[name]['confident']}",
              flush=True)
    if a.out:
        with open(a.out, "w") as fh:
            json.dump(report, fh, indent=1)


if __name__ == "__main__":
    main()
