"""What the index stores per image, computed faster for the build rate: the same keypoints, the same
visual words, and PDQ hashed from a small copy (benchmarks/README.md, "Build rate")."""

import cv2
import numpy as np
import pytest

from turath_engine import features
from turath_engine.features import default_vocabulary, orb_features, pdq_hash
from turath_engine.image_search import PDQ_NEAR
from turath_engine.imaging import load_image

from .conftest import jpeg_bytes, phone_photo


def _spread_per_keypoint(kps, n, w, h, grid=8):
    """_spread as it was written first (Python attribute reads and a loop per cell): the reference
    the array version must agree with, keypoint for keypoint and in the same order."""
    if len(kps) <= n:
        return list(kps)
    resp = np.array([k.response for k in kps], np.float32)
    cx = np.minimum((np.array([k.pt[0] for k in kps]) * grid / max(w, 1)).astype(int), grid - 1)
    cy = np.minimum((np.array([k.pt[1] for k in kps]) * grid / max(h, 1)).astype(int), grid - 1)
    cell = cy * grid + cx
    order = np.lexsort((-resp, cell))
    rank_in_cell = np.empty(len(kps), int)
    sc = cell[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sc)) + 1]
    for a, b in zip(starts, np.r_[starts[1:], len(sc)], strict=True):
        rank_in_cell[order[a:b]] = np.arange(b - a)
    quota = max(1, n // (grid * grid))
    first = np.flatnonzero(rank_in_cell < quota)
    rest = np.flatnonzero(rank_in_cell >= quota)
    rest = rest[np.argsort(-resp[rest])][: max(0, n - len(first))]
    keep = np.concatenate([first, rest])[:n]
    return [kps[i] for i in keep]


@pytest.mark.parametrize("name", ["astronaut", "coffee", "page"])
@pytest.mark.parametrize("query", [False, True])
def test_spread_keeps_the_same_keypoints_as_the_per_keypoint_reference(photos, name, query):
    img = load_image(jpeg_bytes(photos[name]) if not query else phone_photo(photos[name]))
    g, _ = features._prep_gray(img, features.query_side(max(img.gray.shape)) if query else features.REF_SIDE)
    n = features.QUERY_FEATURES if query else features.REF_FEATURES
    kps = features.orb_detector(n, query).detect(g, None)
    assert len(kps) > n  # the quota actually chooses
    got = features._spread(kps, n, g.shape[1], g.shape[0])
    want = _spread_per_keypoint(kps, n, g.shape[1], g.shape[0])
    assert [(k.pt, k.response, k.octave) for k in got] == [(k.pt, k.response, k.octave) for k in want]


@pytest.mark.parametrize("longest, searched_at", [(300, 525), (128, 480), (600, 960), (2000, 960)])
def test_a_small_query_photo_is_enlarged_only_so_much(photos, longest, searched_at):
    """A close-up taken at the register photo's own resolution is not blown up to QUERY_SIDE (1.75x at
    most), a thumbnail still reaches QUERY_MIN_SIDE, a large photo is reduced to QUERY_SIDE; register
    photos are still brought to REF_SIDE."""
    img = load_image(jpeg_bytes(cv2.resize(photos["astronaut"], (longest, longest * 3 // 4), interpolation=cv2.INTER_AREA)))
    f = orb_features(img, query=True)
    assert max(f.size) == searched_at
    assert f.scale == pytest.approx(searched_at / max(img.gray.shape), rel=0.01)  # of the working image (<= 1,024 px)
    assert max(orb_features(img).size) == features.REF_SIDE


def test_keypoint_coordinates_are_the_keypoints_own(photos):
    img = load_image(jpeg_bytes(photos["chelsea"]))
    f = orb_features(img)
    g, _ = features._prep_gray(img, features.REF_SIDE)
    orb = features.orb_detector(features.REF_FEATURES, query=False)
    kps, des = orb.compute(g, features._spread(orb.detect(g, None), features.REF_FEATURES, g.shape[1], g.shape[0]))
    assert f.xy.dtype == np.float32 and f.xy.shape == (len(kps), 2)
    assert np.array_equal(f.xy, np.array([k.pt for k in kps], np.float32))
    assert np.array_equal(f.des, des)


def test_grey_image_is_computed_once_and_is_the_rgb_images_grey(photos):
    img = load_image(jpeg_bytes(photos["coffee"]))
    g = img.gray
    assert img.gray is g
    assert np.array_equal(g, cv2.cvtColor(img.rgb, cv2.COLOR_RGB2GRAY))
    orb_features(img)  # the features' contrast equalisation works on a copy
    assert np.array_equal(img.gray, cv2.cvtColor(img.rgb, cv2.COLOR_RGB2GRAY))


def test_visual_words_are_each_descriptors_nearest_word_lowest_index_first(photos):
    # the words the shards store: exact nearest coarse centroid (ties: the lowest index), then the
    # nearest sub-centroid, checked against a plain popcount over the whole vocabulary
    v = default_vocabulary()
    des = orb_features(load_image(jpeg_bytes(photos["rocket"]))).des
    d = np.bitwise_count(des[:, None, :] ^ v.centroids[None]).sum(-1, dtype=np.int32)
    coarse = d.argmin(1)  # argmin: the first of equal minima
    sub = np.bitwise_count(des[:, None, :] ^ v.fine[coarse]).sum(-1, dtype=np.int32).argmin(1)
    assert np.array_equal(v.assign(des), coarse * v.f + sub)


def test_pdq_hashes_a_small_copy(photos, monkeypatch):
    import pdqhash

    seen = []
    real = pdqhash.compute

    def spy(rgb):
        seen.append(rgb.shape)
        return real(rgb)

    monkeypatch.setattr(pdqhash, "compute", spy)
    pdq_hash(load_image(jpeg_bytes(photos["astronaut"])))  # 512 x 512
    assert max(seen[0][:2]) == features.PDQ_SIDE == 128


def test_pdq_of_a_small_copy_still_tells_copies_from_other_images(photos):
    # re-encoded, 1/5-size and darkened copies stay inside the shortlist's PDQ_NEAR gate, every other
    # photograph far outside it (measured at 128 px: copies 0-26 bits, the 1/5-size page 58 bits as at
    # 512 px 50; other photographs 102-124 as at 512 px)
    hashes = {n: pdq_hash(load_image(jpeg_bytes(rgb)))[0] for n, rgb in photos.items()}
    for n, rgb in photos.items():
        h, w = rgb.shape[:2]
        copies = [jpeg_bytes(rgb, 30), jpeg_bytes(cv2.resize(rgb, (w // 5, h // 5), interpolation=cv2.INTER_AREA)),
                  jpeg_bytes((rgb * 0.6).astype(np.uint8))]
        for c in copies:
            q = pdq_hash(load_image(c))[0]
            dists = {m: int(np.unpackbits(q ^ hm).sum()) for m, hm in hashes.items()}
            assert dists[n] < PDQ_NEAR, (n, dists[n])
            assert min(d for m, d in dists.items() if m != n) > PDQ_NEAR + 25, (n, dists)


def test_a_query_photos_coarse_words_searched_among_nearby_groups_are_the_exact_ones(photos):
    """Query photos look their coarse words up among the nearest groups of words only: nearly every
    word is the exact search's; of words equally near, nearly always the same one is picked."""
    vocab = default_vocabulary()
    for name in ("chelsea", "coffee"):
        des = orb_features(load_image(phone_photo(photos[name], angle=10, scale=0.8, gain=0.7)), query=True).des
        exact, near = vocab.coarse(des), vocab.coarse(des, exact=False)
        dist = lambda w, des=des: np.unpackbits(des ^ vocab.centroids[w], axis=1).sum(1)  # noqa: E731
        assert np.mean(exact == near) > 0.98, name
        assert np.all(dist(near) >= dist(exact)) and np.mean(dist(near) == dist(exact)) > 0.98, name
        # of several words at the nearest distance, the lowest-numbered, as the register's were picked
        # (without that rule ~5 % of words differ here, most of them at the same distance)
        tied = dist(near) == dist(exact)
        assert np.mean(near[tied] == exact[tied]) > 0.995, name
        same = exact == near
        assert np.array_equal(vocab.assign_multi(des, 2, exact=False)[same], vocab.assign_multi(des, 2)[same])


def test_words_whose_ties_the_lookup_may_have_cut_off_are_searched_exactly(photos, monkeypatch):
    """With one word returned per descriptor every tie may have been cut off: all are searched
    exactly, and every word is the exact one."""
    vocab = features.Vocabulary(default_vocabulary().centroids)
    des = orb_features(load_image(jpeg_bytes(photos["rocket"])), query=True).des
    monkeypatch.setattr(features, "TIES_SEEN", 1)
    assert np.array_equal(vocab.coarse(des, exact=False), vocab.coarse(des))


def test_the_groups_of_words_are_the_same_on_every_machine():
    """The groups are computed, not shipped: the same bytes wherever they are computed (no random
    draw, no float clustering), or query photos' words would depend on the machine."""
    import hashlib

    vocab = default_vocabulary()
    groups = features.word_groups(vocab.centroids, features.COARSE_GROUPS)
    assert len(np.unique(groups, axis=0)) == features.COARSE_GROUPS
    assert hashlib.sha256(groups.tobytes()).hexdigest() == (
        "968d0621da01db546420ddd954b1a2fa3f92117d1d794fbeef5bec8c3e3cfe2a")
