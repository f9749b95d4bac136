import hashlib
import io

import pytest
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw

from turath.core.errors import ImageRejected, NotPermitted
from turath.register.images import add_image, check_image
from turath.register.tests.factories import make_object


def photo_bytes(size=(800, 600), fmt="JPEG", exif_orientation=None):
    img = Image.new("RGB", size, (182, 140, 90))
    draw = ImageDraw.Draw(img)
    draw.ellipse((100, 80, 500, 480), fill=(212, 175, 55), outline=(90, 60, 20), width=12)
    draw.text((220, 260), "DINAR 77 AH", fill=(60, 40, 10))
    out = io.BytesIO()
    kwargs = {}
    if exif_orientation:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        kwargs["exif"] = exif
    img.save(out, fmt, **kwargs)
    return out.getvalue()


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_original_kept_byte_for_byte_with_derivatives(users, actor):
    editor = users["eg_customs_editor"]
    obj = make_object(editor, "EG-IMG-1")
    data = photo_bytes()
    with actor(editor):
        img = add_image(editor, obj, data, "dinar.jpg", caption="obverse")
        again = add_image(editor, obj, data, "dinar-copy.jpg")
    assert again.pk == img.pk  # same bytes: idempotent
    assert img.sha256 == hashlib.sha256(data).hexdigest()
    with default_storage.open(img.original.name) as f:
        assert f.read() == data
    for path, bound in ((img.thumb, 320), (img.medium, 1280)):
        with default_storage.open(path) as f:
            assert max(Image.open(f).size) <= bound


def test_exif_orientation_is_applied_to_derivatives(users, actor):
    editor = users["eg_customs_editor"]
    obj = make_object(editor, "EG-IMG-2")
    with actor(editor):
        img = add_image(editor, obj, photo_bytes((800, 400), exif_orientation=6), "phone.jpg")
    with default_storage.open(img.thumb) as f:
        w, h = Image.open(f).size
    assert h > w  # rotated 90°


@pytest.mark.parametrize("name, data, message", [
    ("notes.txt", "ليست صورة — not an image".encode(), "not an image"),
    ("empty.jpg", b"", "empty"),
    ("cut.jpg", photo_bytes()[:5000], "truncated"),
])
def test_bad_files_are_refused(name, data, message):
    with pytest.raises(ImageRejected, match=message):
        check_image(data, name)


def test_decompression_bomb_refused_before_decoding():
    bomb = io.BytesIO()
    Image.new("1", (20000, 20000)).save(bomb, "PNG")  # 400 megapixels in a few hundred kB
    assert len(bomb.getvalue()) < 2_000_000
    with pytest.raises(ImageRejected, match="megapixels|decompression"):
        check_image(bomb.getvalue(), "bomb.png")


def test_oversized_upload_refused(settings):
    settings.TURATH_MAX_UPLOAD_BYTES = 10_000
    with pytest.raises(ImageRejected, match="larger than"):
        check_image(photo_bytes((2000, 2000)), "big.jpg")


def test_unaccepted_format_refused():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "BMP")
    with pytest.raises(ImageRejected, match="BMP"):
        check_image(out.getvalue(), "x.bmp")


def test_failed_database_write_leaves_no_files(users, actor, monkeypatch):
    editor = users["eg_customs_editor"]
    obj = make_object(editor, "EG-IMG-3")
    from turath.core import audit

    def crash(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "record", crash)
    with actor(editor), pytest.raises(RuntimeError):
        add_image(editor, obj, photo_bytes(), "x.jpg")
    assert obj.images.count() == 0
    root = default_storage.location
    import os

    leftovers = [f for _, _, files in os.walk(root) for f in files]
    assert leftovers == []


def test_other_agency_cannot_add_images(users, actor):
    obj = make_object(users["eg_customs_editor"], "EG-IMG-4", sharing="members")
    with actor(users["ma_museum_editor"]), pytest.raises(NotPermitted):
        add_image(users["ma_museum_editor"], obj, photo_bytes(), "x.jpg")
