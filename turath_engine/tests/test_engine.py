import json
import os
import shutil

import cv2
import numpy as np
import pytest

from turath_engine import BlankImageError, Engine, EngineError, IndexCorruptError, IndexMissingError, KeyNotFoundError

from .conftest import jpeg_bytes, phone_photo


@pytest.fixture
def index_copy(built_index, tmp_path):
    dst = str(tmp_path / "copy")
    shutil.copytree(built_index, dst)
    return dst


def test_phone_photo_matches_the_right_object(built_index, photos):
    with Engine.open(built_index) as eng:
        q = phone_photo(photos["astronaut"], angle=30, scale=0.55, gain=0.45, clutter=photos["coins"][::-1])
        res = eng.query(images=[q], top=5)
        assert res.candidates, "no confident match"
        top = res.candidates[0]
        assert top.key == "obj-astronaut"
        assert top.score >= res.threshold
        ev = top.evidence["image"]
        assert ev["key"] == "obj-astronaut:1" and ev["inliers"] >= 20
        x0, y0, x1, y1 = ev["ref_bbox"]
        assert 0 <= x0 < x1 <= 512 and 0 <= y0 < y1 <= 512  # region inside the 512x512 reference
        assert len(ev["ref_polygon"]) >= 3 and len(ev["query_polygon"]) == 4


def test_groups_rank_objects_not_images(built_index, photos):
    with Engine.open(built_index) as eng:
        res = eng.query(images=[jpeg_bytes(photos["chelsea"][:220, :260], 60)], top=5)
        keys = [c.key for c in res.candidates]
        assert keys[0] == "obj-chelsea" and keys.count("obj-chelsea") == 1
        assert set(res.candidates[0].evidence["image_keys"]) == {"obj-chelsea:1", "obj-chelsea:2"}


def test_out_of_register_photo_has_no_confident_match(built_index, photos):
    with Engine.open(built_index) as eng:
        # a photo that is not in the register: a region of an unindexed scikit-image photo
        import skimage.data

        res = eng.query(images=[jpeg_bytes(skimage.data.brick())], top=5)
        assert res.candidates == []


def test_photo_of_a_screen(built_index, photos):
    rgb = photos["motorcycle_left"]
    h, w = rgb.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    moire = (np.sin(xx * 0.45 + yy * 0.38) * 16)[:, :, None]
    glare = (np.exp(-((xx - w * 0.6) ** 2 + (yy - h * 0.3) ** 2) / (2 * (0.12 * w) ** 2)) * 120)[:, :, None]
    scr = np.clip(rgb + moire + glare, 0, 255).astype(np.uint8)
    B = 40
    frame = np.full((h + 2 * B, w + 2 * B, 3), 15, np.uint8)
    frame[B:B + h, B:B + w] = scr
    src = np.float32([[0, 0], [w + 2 * B, 0], [w + 2 * B, h + 2 * B], [0, h + 2 * B]])
    dst = src + np.float32([[30, 20], [-10, 40], [-40, -10], [20, -30]])
    photo = cv2.warpPerspective(frame, cv2.getPerspectiveTransform(src, dst), (w + 2 * B, h + 2 * B))
    with Engine.open(built_index) as eng:
        res = eng.query(images=[jpeg_bytes(photo, 50)], top=3)
        assert res.candidates and res.candidates[0].key == "obj-motorcycle_left"


def test_grey_query_frame_is_a_clear_error(built_index):
    with Engine.open(built_index) as eng:
        with pytest.raises(BlankImageError, match="grey"):
            eng.query(images=[jpeg_bytes(np.full((300, 400, 3), 128, np.uint8))])


def test_allowed_keys_filter_before_truncation_and_hidden_count(built_index, photos):
    q = phone_photo(photos["coffee"], angle=-20, scale=0.7, gain=0.6)
    with Engine.open(built_index) as eng:
        res = eng.query(images=[q], top=1, allowed_keys={"obj-camera"})
        assert all(c.key == "obj-camera" for c in res.candidates)
        assert res.hidden_count == 1
        res = eng.query(images=[q], top=1, allowed_keys=lambda key, group: group != "obj-coffee")
        assert res.hidden_count == 1 and not any(c.key == "obj-coffee" for c in res.candidates)
        assert res.hidden_groups == ["obj-coffee"] and "hidden_groups" not in res.to_dict()
        res = eng.query(images=[q], top=1, allowed_keys={"obj-coffee:1"})  # image-level permission
        assert [c.key for c in res.candidates] == ["obj-coffee"] and res.hidden_count == 0


def test_add_remove_compact_and_reopen(index_copy, photos):
    eng = Engine.open(index_copy)
    n = len(eng)
    q = phone_photo(photos["rocket"], angle=10, scale=0.8, gain=0.7)
    assert eng.query(images=[q]).candidates[0].key == "obj-rocket"
    eng.remove("obj-rocket:1")
    with pytest.raises(KeyNotFoundError):
        eng.remove("obj-rocket:1")
    assert not any(c.key == "obj-rocket" for c in eng.query(images=[q]).candidates)
    eng.close()
    eng = Engine.open(index_copy)
    assert len(eng) == n - 1
    info = eng.compact()
    assert info["bytes_after"] < info["bytes_before"]
    eng.add_image("obj-rocket:1", jpeg_bytes(photos["rocket"]))
    assert eng.query(images=[q]).candidates[0].key == "obj-rocket"
    eng.close()


def test_missing_and_corrupt_index(tmp_path, index_copy):
    with pytest.raises(IndexMissingError):
        Engine.open(str(tmp_path / "nowhere"))
    os.remove(os.path.join(index_copy, "global.faiss"))
    with pytest.raises(IndexCorruptError, match="repair"):
        Engine.open(index_copy)
    with Engine.open(index_copy, repair=True) as eng:  # derived files rebuild from the database
        assert len(eng) == 9
    with open(os.path.join(index_copy, "pdq.faiss"), "wb") as fh:
        fh.write(b"garbage")
    with pytest.raises(IndexCorruptError):
        Engine.open(index_copy)
    with open(os.path.join(index_copy, "engine.sqlite3"), "r+b") as fh:
        fh.write(b"not sqlite at all")
    with pytest.raises(IndexCorruptError, match="rebuild"):
        Engine.open(index_copy)


def test_text_query_cross_lingual_with_facets_and_concepts(tmp_path):
    concepts = {"ewer": {"c:ewer"}, "ابريق": {"c:ewer"}, "aiguiere": {"c:ewer"},
                "lamp": {"c:lamp"}, "مصباح": {"c:lamp"}, "lampe": {"c:lamp"}}
    eng = Engine.create(str(tmp_path / "t"), concepts=concepts)
    eng.add_text("o1", "Brass ewer with a long curved spout, engraved with floral scrolls", "en",
                 {"type": "ewer", "material": "brass"})
    eng.add_text("o2", "Small terracotta oil lamp with a lion in relief on the disc", "en",
                 {"type": "lamp", "material": "terracotta", "period": "Roman"})
    eng.add_text("o3", "Manuscript leaf of a Qur'an written in kufic script on parchment", "en",
                 {"type": "manuscript", "material": "parchment"})
    r = eng.query(text="إبريق نحاسي مزخرف بزخارف نباتية", include_below_threshold=True)
    assert r.candidates[0].key == "o1"
    assert "c:ewer" in r.candidates[0].evidence["text"]["matched_concepts"]
    r = eng.query(text="lampe à huile en terre cuite", include_below_threshold=True)
    assert r.candidates[0].key == "o2"
    r = eng.query(text="objet", filters={"material": "parchment"}, include_below_threshold=True)
    assert [c.key for c in r.candidates] == ["o3"]
    r = eng.query(text="青铜器", include_below_threshold=True)
    assert "text:unexpected_script" in r.flags
    with pytest.raises(EngineError):
        eng.query(text="   ")
    with pytest.raises(EngineError):
        eng.add_text("o4", "")
    eng.close()


def test_json_round_trip(built_index, photos):
    with Engine.open(built_index) as eng:
        res = eng.query(images=[jpeg_bytes(photos["camera"])], top=2)
        json.dumps(res.to_dict())
