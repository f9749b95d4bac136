"""Image intake: bounded, checked, the original kept byte for byte, derived sizes made once."""

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from turath.core import audit
from turath.core.errors import ImageRejected, NotPermitted
from turath.core.permissions import Sharing
from turath.core.userfiles import user_file_response

from .models import ObjectImage

ACCEPTED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "TIFF": "image/tiff",
                    "GIF": "image/gif"}
DERIVED = {"thumb": 320, "medium": 1280}

try:  # HEIC from phones, if the optional plug-in is installed.
    from pillow_heif import register_heif_opener

    register_heif_opener()
    ACCEPTED_FORMATS["HEIF"] = "image/heic"
except ImportError:  # pragma: no cover - optional
    pass


def engine_ready(data: bytes, mime: str, image: Image.Image | None = None) -> bytes:
    """Bytes the matching engine reads: as stored, except HEIC, which it does not decode; a
    phone's HEIC becomes an upright JPEG (EXIF orientation applied) of the same pixels."""
    if mime != "image/heic":
        return data
    if image is None:
        image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=92)
    return out.getvalue()


@dataclass
class CheckedImage:
    data: bytes
    sha256: str
    mime: str
    width: int
    height: int
    image: Image.Image  # decoded, EXIF orientation applied


def check_image(data: bytes, name: str = "") -> CheckedImage:
    """Refuse what is not a whole, reasonably sized image before anything is written."""
    limit = settings.TURATH_MAX_UPLOAD_BYTES
    if len(data) > limit:
        raise ImageRejected(_("«%(n)s» is larger than %(mb)d MB.") % {"n": name, "mb": limit // (1024 * 1024)})
    if not data:
        raise ImageRejected(_("«%(n)s» is empty.") % {"n": name})
    max_pixels = settings.TURATH_MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            fmt = probe.format
            if fmt not in ACCEPTED_FORMATS:
                raise ImageRejected(_("«%(n)s» is a %(f)s file; send JPEG, PNG, WebP, TIFF or HEIC.")
                                    % {"n": name, "f": fmt or "unknown"})
            w, h = probe.size
            # Checked from the header, before decoding: a decompression bomb never gets expanded.
            if w * h > max_pixels:
                raise ImageRejected(_("«%(n)s» has %(mp)d megapixels; at most %(max)d are accepted.")
                                    % {"n": name, "mp": w * h // 1_000_000, "max": max_pixels // 1_000_000})
            probe.load()  # raises on truncated or corrupt data
            image = ImageOps.exif_transpose(probe)
            image.load()
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected(_("«%(n)s» looks like a decompression bomb and was refused.") % {"n": name}) from None
    except UnidentifiedImageError:
        raise ImageRejected(_("«%(n)s» is not an image.") % {"n": name}) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected(_("«%(n)s» is damaged or truncated (%(e)s).") % {"n": name, "e": exc}) from None
    return CheckedImage(data, hashlib.sha256(data).hexdigest(), ACCEPTED_FORMATS[fmt], w, h, image)


def _derive(image: Image.Image, size: int) -> bytes:
    copy = image.copy()
    copy.thumbnail((size, size), Image.Resampling.LANCZOS)
    if copy.mode not in ("RGB", "L"):
        copy = copy.convert("RGB")
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def add_image(user, obj, data: bytes, name: str = "photo.jpg", caption: str = "") -> ObjectImage:
    from .models import CulturalObject

    if not CulturalObject.objects.restrict(user, "change").filter(pk=obj.pk).exists():
        raise NotPermitted(_("Only the owning agency's editors change this record."))
    checked = check_image(data, name)
    existing = obj.images.filter(sha256=checked.sha256).first()
    if existing:
        return existing  # same bytes already attached: idempotent
    written: list[str] = []
    try:
        with transaction.atomic():
            img = ObjectImage(object=obj, sha256=checked.sha256, mime=checked.mime, width=checked.width,
                              height=checked.height, caption=caption[:300], position=obj.images.count())
            img.original.save(name, ContentFile(checked.data), save=False)
            written.append(img.original.name)
            base = img.original.name.rsplit(".", 1)[0]
            for kind, size in DERIVED.items():
                path = default_storage.save(f"{base}.{kind}.jpg", ContentFile(_derive(checked.image, size)))
                written.append(path)
                setattr(img, kind, path)
            img.save()
            from .services import _bump

            _bump(obj)
            audit.record("register.object.add_image", obj, after={"sha256": checked.sha256, "name": name})
    except BaseException:
        for path in written:  # no orphaned files when the database write fails
            default_storage.delete(path)
        raise
    return img


IMAGE_SIZES = ("thumb", "medium", "original")


def image_response(obj, sha256: str, size: str):
    """One photograph of a record the caller may see (the views check that), as a user file: shown
    inline only when its bytes are a raster image (an original TIFF or HEIC is a download)."""
    from django.http import Http404

    image = obj.images.filter(sha256=sha256).first() if size in IMAGE_SIZES else None
    if image is None:
        raise Http404
    path = image.original.name if size == "original" else getattr(image, size)
    if not path or not default_storage.exists(path):
        raise Http404
    ext = path.rsplit(".", 1)[-1][:5] if "." in path else "bin"
    filename = "".join(c if c.isalnum() or c in "-_" else "-" for c in obj.record_number) + f"-{sha256[:12]}.{ext}"
    # Private either way: a shared cache must never hand a restricted photograph to someone else; and a
    # restricted one is not kept on the officer's disk either.
    cache = "private, max-age=3600" if obj.sharing == Sharing.PUBLIC else "private, no-store"
    return user_file_response(default_storage.open(path, "rb"), filename, checked_image=True, cache=cache)
