"""Geometric verification: ORB matching with Lowe's ratio test, then a RANSAC homography.

The inlier count is the strongest single piece of evidence that two photos show the same
physical object; the inliers' hull in the reference image is shown to the officer as the region
that matched.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

RATIO = 0.82
MIN_MATCHES = 8
RANSAC_PX = 6.0  # in query feature-image pixels (longest side ~960)
# All inliers on a spot this small (of the register image's area) is not the object: a glyph pair, a
# stamp or a seal that many objects share. The one true false match among 200 out-of-register photos
# at 100,000 references had 18 inliers on 0.15 %; the 359 right answers at rank 1 at 1,000 and 100,000
# had 0.42 % and more (benchmarks/matching/RESULTS.md, 2026-12-07 fourth session). It was 0.05 %.
MIN_HULL_FRACTION = 0.002



class QueryDescriptors:
    """The query's descriptors in a faiss binary index, built once per photo and searched for each
    reference (faiss's popcount search is several times faster than OpenCV's BFMatcher here)."""

    def __init__(self, des: np.ndarray):
        import faiss

        self.des = np.ascontiguousarray(des)
        self.index = faiss.IndexBinaryFlat(256)
        if len(self.des):
            self.index.add(self.des)

    def knn2(self, r_des: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.index.search(np.ascontiguousarray(r_des), 2)


@dataclass
class Verification:
    inliers: int = 0
    matches: int = 0
    ref_polygon: list[list[float]] = field(default_factory=list)  # inlier hull, reference pixels
    ref_bbox: list[float] = field(default_factory=list)  # [x0, y0, x1, y1] reference pixels
    query_polygon: list[list[float]] = field(default_factory=list)  # reference outline in the query photo


def verify(q_xy, q_des, r_xy, r_des, r_size, r_to_orig: float, q_to_orig: float,
           q_index: QueryDescriptors | None = None) -> Verification:
    """Match query features against one reference's features.

    ``r_to_orig``/``q_to_orig`` convert feature-image pixels back to the stored image's pixels,
    so evidence polygons are in the coordinates the app displays.
    """
    if len(q_des) < 2 or len(r_des) < 2:
        return Verification()
    # Reference -> query direction: references have few features, queries many (clutter), so the
    # ratio test is taken over the query's features, which is where the ambiguity lies.
    dist, idx = (q_index or QueryDescriptors(q_des)).knn2(r_des)
    d0, d1 = dist[:, 0].astype(np.float64), dist[:, 1].astype(np.float64)
    good = np.flatnonzero((idx[:, 1] >= 0) & (d0 < RATIO * d1) & (d0 < 80))
    if len(good) < MIN_MATCHES:
        return Verification(matches=len(good))
    # One query keypoint may be claimed by several reference keypoints: keep the closest.
    good = good[np.argsort(d0[good], kind="stable")]
    _, first = np.unique(idx[good, 0], return_index=True)
    ri = good[np.sort(first)]
    qi = idx[ri, 0]
    if len(ri) < MIN_MATCHES:
        return Verification(matches=len(ri))
    return ransac(r_xy[ri], q_xy[qi], r_size, r_to_orig, q_to_orig, len(ri))


def _distinct_cells(xy: np.ndarray, cell: float = 3.0) -> int:
    """How many distinct cell-sized locations the points fall on (each point's rounded cell coordinates
    packed into one integer: np.unique over rows cost ~0.15 ms per RANSAC, ~95 of them per photo)."""
    if not len(xy):
        return 0
    c = np.round(xy / cell).astype(np.int64) + (1 << 20)
    return len(np.unique((c[:, 0] << 21) | c[:, 1]))


def ransac(src_xy, dst_xy, r_size, r_to_orig: float, q_to_orig: float, n_matches: int | None = None,
           max_iters: int = 1000) -> Verification:
    """RANSAC homography reference -> query on putative correspondences; evidence in original pixels."""
    n_matches = len(src_xy) if n_matches is None else n_matches
    if len(src_xy) < MIN_MATCHES:
        return Verification(matches=n_matches)
    src = np.ascontiguousarray(src_xy, np.float32).reshape(-1, 1, 2)
    dst = np.ascontiguousarray(dst_xy, np.float32).reshape(-1, 1, 2)
    # RHO (PROSAC-based): ~0.1 ms here against ~17 ms for cv2.RANSAC in OpenCV 5, same inliers.
    H, mask = cv2.findHomography(src, dst, cv2.RHO, RANSAC_PX, maxIters=max_iters, confidence=0.995)
    if H is None or mask is None:
        return Verification(matches=n_matches)
    mask = mask.ravel().astype(bool)
    # Count distinct locations, not pairs: ORB finds one corner at several pyramid levels, and a
    # cluster of duplicates must not look like many independent agreeing matches.
    n_in = min(_distinct_cells(src.reshape(-1, 2)[mask]), _distinct_cells(dst.reshape(-1, 2)[mask]))
    # Reject geometrically absurd homographies (mirror images, collapsed or exploded scale):
    # random matches often reach a handful of "inliers" through such degenerate models.
    a = H[:2, :2] / H[2, 2] if abs(H[2, 2]) > 1e-9 else H[:2, :2]
    det = float(np.linalg.det(a))
    if not (0.002 < det < 500):
        return Verification(matches=n_matches)
    if n_in < 4:
        return Verification(inliers=n_in, matches=n_matches)
    pin = src.reshape(-1, 2)[mask]
    hull = cv2.convexHull(pin.astype(np.float32)).reshape(-1, 2)
    if cv2.contourArea(hull) < MIN_HULL_FRACTION * r_size[0] * r_size[1]:
        return Verification(matches=n_matches)
    w, h = r_size
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32).reshape(-1, 1, 2)
    qpoly = cv2.perspectiveTransform(corners, H).reshape(-1, 2) * q_to_orig
    hull_o = hull * r_to_orig
    bbox = [float(hull_o[:, 0].min()), float(hull_o[:, 1].min()), float(hull_o[:, 0].max()), float(hull_o[:, 1].max())]
    return Verification(
        inliers=n_in,
        matches=n_matches,
        ref_polygon=[[round(float(x), 1), round(float(y), 1)] for x, y in hull_o],
        ref_bbox=[round(v, 1) for v in bbox],
        query_polygon=[[round(float(x), 1), round(float(y), 1)] for x, y in qpoly],
    )
