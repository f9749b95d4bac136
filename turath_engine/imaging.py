"""Safe image loading: everything that comes from a phone or an upload goes through here.

Checks happen before full decode where possible: the header gives the size, so a decompression
bomb is refused without allocating it, and very large JPEGs are decoded at reduced scale (draft
mode) instead of materialising 100 megapixels.
"""

from __future__ import annotations

import io
import os
import warnings
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageOps

from .errors import BadImageError, BlankImageError, DecompressionBombError

# Largest file we read at all (bytes) and largest pixel count we decode. 178 MP admits 108 MP
# phone sensors and large scans while refusing crafted headers of gigapixel size.
MAX_FILE_BYTES = 80 * 1024 * 1024
MAX_PIXELS = 178_000_000  # = Pillow's hard DecompressionBombError limit (2 x MAX_IMAGE_PIXELS)
# Working resolution: longest side after loading. Local features are computed at this size.
WORK_SIDE = 1024
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "TIFF", "BMP", "GIF", "MPO"}
# A frame whose grey-level standard deviation is below this is treated as blank.
BLANK_STD = 2.0


@dataclass
class LoadedImage:
    rgb: np.ndarray  # HxWx3 uint8, EXIF-oriented, downscaled to <= WORK_SIDE
    original_size: tuple[int, int]  # (width, height) as stored in the file, before orientation
    format: str
    flags: list[str] = field(default_factory=list)
    _gray: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def gray(self) -> np.ndarray:
        # computed once: the blank check and the local features both read it
        if self._gray is None:
            import cv2

            self._gray = cv2.cvtColor(self.rgb, cv2.COLOR_RGB2GRAY)
        return self._gray


def _open(src) -> tuple[Image.Image, str]:
    if isinstance(src, (bytes, bytearray, memoryview)):
        data = bytes(src)
        name = "<bytes>"
    elif isinstance(src, (str, os.PathLike)):
        name = os.fspath(src)
        try:
            size = os.path.getsize(name)
        except OSError as e:
            raise BadImageError(f"cannot read image {name}: {e.strerror or e}") from None
        if size > MAX_FILE_BYTES:
            raise BadImageError(f"{name}: file is {size / 1e6:.0f} MB, larger than the {MAX_FILE_BYTES // 2**20} MiB limit")
        with open(name, "rb") as fh:
            data = fh.read()
    elif hasattr(src, "read"):
        data = src.read(MAX_FILE_BYTES + 1)
        name = getattr(src, "name", "<stream>")
    else:
        raise BadImageError(f"unsupported image source type {type(src).__name__}")
    if len(data) > MAX_FILE_BYTES:
        raise BadImageError(f"{name}: larger than the {MAX_FILE_BYTES // 2**20} MiB limit")
    if not data:
        raise BadImageError(f"{name}: empty file")
    try:
        with warnings.catch_warnings():
            # Pillow warns above its MAX_IMAGE_PIXELS (~89 MP) and refuses above twice that; the
            # warning would refuse 100 MP phone photos, so our own explicit limit applies instead.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DecompressionBombError(f"{name}: image header announces too many pixels (decompression bomb)") from None
    except Exception:
        raise BadImageError(f"{name}: not a recognised image file") from None
    return im, name


def load_image(src, work_side: int = WORK_SIDE, allow_blank: bool = False) -> LoadedImage:
    """Decode ``src`` (path, bytes, file object or HxW[x3] uint8 array) into a LoadedImage.

    Raises BadImageError (or a subclass) with a one-line reason for anything unusable.
    """
    if isinstance(src, np.ndarray):
        return _from_array(src, work_side, allow_blank)
    im, name = _open(src)
    fmt = im.format or "?"
    if fmt not in ALLOWED_FORMATS:
        raise BadImageError(f"{name}: image format {fmt} is not accepted")
    w, h = im.size
    if w <= 0 or h <= 0:
        raise BadImageError(f"{name}: image has no pixels")
    if w * h > MAX_PIXELS:
        raise DecompressionBombError(
            f"{name}: {w}x{h} = {w * h / 1e6:.0f} megapixels exceeds the {MAX_PIXELS // 1_000_000} MP limit "
            "(decompression bomb?)"
        )
    flags = []
    if w * h > 4 * work_side * work_side:
        flags.append("downscaled")
        if fmt in ("JPEG", "MPO"):
            # JPEG can decode at 1/2, 1/4, 1/8 scale directly: 100 MP never materialises.
            im.draft("RGB", (work_side, work_side))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im.load()
            ImageOps.exif_transpose(im, in_place=True)  # no copy of an image that needs no turning
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DecompressionBombError(f"{name}: too many pixels (decompression bomb)") from None
    except (OSError, SyntaxError, ValueError) as e:
        msg = str(e).lower()
        if "truncat" in msg or "broken data stream" in msg or "premature" in msg:
            raise BadImageError(f"{name}: image file is truncated or corrupt") from None
        raise BadImageError(f"{name}: cannot decode image ({e})") from None
    except Exception as e:  # any decoder bug is still a bad image for the caller
        raise BadImageError(f"{name}: cannot decode image ({type(e).__name__})") from None
    if im.mode not in ("RGB",):
        if im.mode in ("RGBA", "LA", "P", "PA") or "transparency" in im.info:
            # Flatten transparency on white: a PNG cut-out of an object is still that object.
            im = im.convert("RGBA")
            bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
            im = Image.alpha_composite(bg, im).convert("RGB")
        else:
            im = im.convert("RGB")
    if max(im.size) > work_side:
        im.thumbnail((work_side, work_side), Image.Resampling.LANCZOS if max(im.size) < 3 * work_side else Image.Resampling.BILINEAR)
    arr = np.asarray(im, dtype=np.uint8)
    out = LoadedImage(rgb=np.ascontiguousarray(arr), original_size=(w, h), format=fmt, flags=flags)
    _check_blank(out, name, allow_blank)
    return out


def _from_array(arr: np.ndarray, work_side: int, allow_blank: bool) -> LoadedImage:
    import cv2

    if arr.dtype != np.uint8 or arr.ndim not in (2, 3) or arr.size == 0:
        raise BadImageError("array image must be a non-empty uint8 HxW or HxWx3 array")
    if arr.ndim == 2:
        arr = cv2.cvtColor(arr, cv2.COLOR_GRAY2RGB)
    elif arr.shape[2] == 4:
        arr = arr[:, :, :3]
    h, w = arr.shape[:2]
    flags = []
    if max(h, w) > work_side:
        s = work_side / max(h, w)
        arr = cv2.resize(arr, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
        flags.append("downscaled")
    out = LoadedImage(rgb=np.ascontiguousarray(arr), original_size=(w, h), format="array", flags=flags)
    _check_blank(out, "<array>", allow_blank)
    return out


def _check_blank(img: LoadedImage, name: str, allow_blank: bool) -> None:
    g = img.gray
    # Measure on a small copy: a few sensor-noise pixels should not make a black frame "textured".
    import cv2

    small = cv2.resize(g, (64, 64), interpolation=cv2.INTER_AREA) if min(g.shape) > 64 else g
    std = float(small.std())
    if std < BLANK_STD:
        mean = float(small.mean())
        kind = "black" if mean < 40 else ("white" if mean > 215 else "grey")
        if not allow_blank:
            raise BlankImageError(f"{name}: image is a near-uniform {kind} frame (no visible object)")
        img.flags.append(f"blank:{kind}")
