import io
import os

import numpy as np
import pytest
from PIL import Image

from turath_engine import BadImageError, BlankImageError, DecompressionBombError, load_image
from turath_engine.imaging import WORK_SIDE

from .conftest import jpeg_bytes


def test_not_an_image(tmp_path):
    p = tmp_path / "notes.jpg"
    p.write_text("this is not a JPEG, just text pretending to be one")
    with pytest.raises(BadImageError, match="not a recognised image"):
        load_image(str(p))


def test_empty_and_missing(tmp_path):
    p = tmp_path / "empty.png"
    p.write_bytes(b"")
    with pytest.raises(BadImageError, match="empty"):
        load_image(str(p))
    with pytest.raises(BadImageError, match="cannot read"):
        load_image(str(tmp_path / "nope.jpg"))


def test_truncated_jpeg(photos):
    data = jpeg_bytes(photos["astronaut"])
    with pytest.raises(BadImageError, match="truncated|corrupt|decode"):
        load_image(data[: len(data) // 2])


def _png_header(w, h):
    """A PNG that is only a header (IHDR + IEND) claiming w x h RGB pixels."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("w,h", [(40000, 40000), (15000, 12000)])
def test_decompression_bomb_refused_before_decode(w, h):
    # 1.6 GP (Pillow's own hard limit) and 180 MP (above ours): refused from the header alone.
    with pytest.raises(DecompressionBombError, match="bomb"):
        load_image(_png_header(w, h))


def test_100_megapixel_photo_is_downscaled(photos):
    # 12000 x 8400 = 100.8 MP JPEG, like a 108 MP phone sensor.
    big = Image.fromarray(photos["coffee"]).resize((12000, 8400), Image.Resampling.NEAREST)
    buf = io.BytesIO()
    big.save(buf, "JPEG", quality=70)
    del big
    img = load_image(buf.getvalue())
    assert max(img.rgb.shape[:2]) <= WORK_SIDE
    assert img.original_size == (12000, 8400)
    assert "downscaled" in img.flags


@pytest.mark.parametrize("value,kind", [(0, "black"), (128, "grey"), (3, "black")])
def test_blank_frames(value, kind):
    rng = np.random.default_rng(0)
    frame = np.clip(np.full((480, 640, 3), value, np.float32) + rng.normal(0, 1.5, (480, 640, 3)), 0, 255).astype(np.uint8)
    with pytest.raises(BlankImageError, match=kind):
        load_image(jpeg_bytes(frame))
    flagged = load_image(frame, allow_blank=True)
    assert f"blank:{kind}" in flagged.flags


def test_exif_orientation_applied(photos, tmp_path):
    rgb = photos["rocket"]  # portrait 427x640
    im = Image.fromarray(rgb)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW on display
    p = tmp_path / "rot.jpg"
    im.save(p, "JPEG", exif=exif)
    img = load_image(str(p))
    h, w = rgb.shape[:2]
    assert img.rgb.shape[:2] == (w, h)


def test_unsupported_format(tmp_path):
    p = tmp_path / "x.pdf"
    p.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    with pytest.raises(BadImageError):
        load_image(str(p))
    assert os.path.exists(p)
