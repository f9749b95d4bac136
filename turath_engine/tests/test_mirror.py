"""A photo of the register photo's mirror image (a seller's flipped copy, a front camera): found
through the mirror-image search, which only photos without a confident match pay for."""

import numpy as np

from turath_engine import Engine, image_search
from turath_engine.features import mirrored, orb_features, strongest
from turath_engine.imaging import load_image

from .conftest import _photo, jpeg_bytes, phone_photo


def test_the_mirror_images_features_are_those_a_fresh_detection_finds(photos):
    img = load_image(phone_photo(photos["motorcycle_left"], angle=10, scale=0.8, gain=0.7))
    qf = orb_features(img, query=True)
    mf = mirrored(qf)
    flipped = load_image(jpeg_bytes(np.ascontiguousarray(img.rgb[:, ::-1]), 100))
    fresh = orb_features(flipped, query=True)
    import faiss

    index = faiss.IndexBinaryFlat(256)
    index.add(fresh.des)
    dist, _ = index.search(mf.des, 1)
    # a keypoint reflected with a wrong angle would be described from another patch: ~128 bits off
    assert len(mf.des) > 0.9 * len(qf.des)
    assert np.median(dist) <= 8 and np.mean(dist[:, 0] < 40) > 0.8
    # each reflected keypoint, reflected back, is one of the photo's own
    back = np.stack([qf.size[0] - 1 - mf.xy[:, 0], mf.xy[:, 1]], 1)
    gap = np.abs(back[:, None, :] - qf.xy[None, :, :]).sum(-1).min(1)
    assert gap.max() < 0.01


def test_a_mirrored_photo_finds_its_object(built_index, photos):
    eng = Engine.open(built_index)
    q = phone_photo(np.ascontiguousarray(photos["motorcycle_left"][:, ::-1]), angle=12, scale=0.8, gain=0.7)
    res = eng.query(images=[q])
    assert res.candidates and res.candidates[0].key == "obj-motorcycle_left"
    assert res.candidates[0].evidence["image"]["mirrored"] is True
    assert res.candidates[0].independent_score >= eng.threshold
    # the same photo as taken (not mirrored) is found without the mirror image
    plain = eng.query(images=[phone_photo(photos["motorcycle_left"], angle=12, scale=0.8, gain=0.7)])
    assert plain.candidates[0].key == "obj-motorcycle_left"
    assert plain.candidates[0].evidence["image"]["mirrored"] is False
    eng.close()


def test_the_outline_is_drawn_on_the_photo_as_taken(built_index, photos):
    """The object sits in the right half of a mirrored photo: its outline must be there too, not
    where the mirror image had it."""
    page = np.ascontiguousarray(photos["page"][:, ::-1])
    h, w = page.shape[:2]
    canvas = np.full((h, 2 * w, 3), 128, np.uint8)
    canvas[:, w:] = page
    eng = Engine.open(built_index)
    res = eng.query(images=[jpeg_bytes(canvas, 85)])
    top = res.candidates[0]
    assert top.key == "obj-page" and top.evidence["image"]["mirrored"] is True
    xs = np.array([p[0] for p in top.evidence["image"]["query_polygon"]])
    assert xs.min() > 0.85 * w and xs.max() < 2 * w * 1.08, xs
    eng.close()


def test_only_photos_without_a_confident_match_search_their_mirror_image(built_index, photos, monkeypatch):
    calls = []
    real = image_search._search_mirror_image
    monkeypatch.setattr(image_search, "_search_mirror_image", lambda *a: calls.append(1) or real(*a))
    eng = Engine.open(built_index)
    eng.query(images=[phone_photo(photos["rocket"], angle=10, scale=0.8, gain=0.7)])
    assert calls == []
    res = eng.query(images=[jpeg_bytes(_photo("ihc"))])  # no reference shows it, either way round
    assert calls == [1]
    assert not res.candidates
    eng.close()


def test_the_answer_does_not_depend_on_what_was_prepared_while_waiting(built_index, photos, monkeypatch):
    """The mirror image's parts are computed while the first stage runs, as far as it leaves time:
    all of them, some or none, the evidence is the same."""
    monkeypatch.setenv("TURATH_QUERY_THREADS", "2")  # preparing needs a first stage on another thread
    q = phone_photo(np.ascontiguousarray(photos["coffee"][:, ::-1]), angle=8, scale=0.85, gain=0.75)
    prepared = []

    def prepare_all(self, busy):
        prepared.append("all")
        self.features(), self.full_matching(), self.pdq(), self.descriptor()

    def prepare_features(self, busy):
        prepared.append("features")
        self.features()

    answers = []
    for prepare in (prepare_all, prepare_features, lambda self, busy: prepared.append("none")):
        monkeypatch.setattr(image_search._MirrorImage, "prepare_while", prepare)
        with Engine.open(built_index) as eng:
            res = eng.query(images=[q])
        ev = res.candidates[0].evidence["image"]
        assert res.candidates[0].key == "obj-coffee" and ev["mirrored"] is True
        answers.append([(c.key, c.evidence["image"]["inliers"], c.evidence["image"]["query_polygon"])
                        for c in res.candidates])
    assert prepared == ["all", "features", "none"]
    assert answers[0] == answers[1] == answers[2]


def test_the_strongest_keypoints_keep_their_descriptors_and_cover_the_photo(photos):
    qf = orb_features(load_image(jpeg_bytes(photos["coffee"])), query=True)
    few = strongest(qf, 1000)
    assert len(few.des) == len(few.xy) == len(few.keypoints) == 1000
    for k, xy in zip(few.keypoints, few.xy, strict=True):
        assert np.allclose(k.pt, xy)
    # every eighth of the photo, each way, that had keypoints still has some
    w, h = qf.size
    cells = lambda xy: set(map(tuple, np.minimum((xy / [w, h] * 8).astype(int), 7)))  # noqa: E731
    assert cells(few.xy) == cells(qf.xy)
    # the same rows of descriptors as the photo's own keypoints (several octaves may share a point)
    rows = {}
    for p, d in zip(qf.xy.tolist(), qf.des, strict=True):
        rows.setdefault(tuple(p), set()).add(d.tobytes())
    assert all(d.tobytes() in rows[tuple(p)] for p, d in zip(few.xy.tolist(), few.des, strict=True))


def test_a_photo_without_keypoints_searches_its_mirror_image_without_failing(built_index):
    """A smooth gradient (not a blank frame, which is refused) gives ORB nothing to describe."""
    ramp = np.tile(np.linspace(40, 210, 320, dtype=np.float32), (240, 1))
    photo = np.repeat(ramp[:, :, None], 3, 2).astype(np.uint8)
    qf = orb_features(load_image(jpeg_bytes(photo, 95)), query=True)
    assert len(qf.des) == 0 and len(mirrored(qf).des) == 0
    eng = Engine.open(built_index)
    assert not eng.query(images=[jpeg_bytes(photo, 95)]).candidates
    eng.close()
