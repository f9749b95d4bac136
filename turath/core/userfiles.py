"""Serving files that users uploaded (case attachments, register photographs) without letting one
run in Turath's origin.

An uploaded `evidence.html` or `.svg` served inline as `text/html` would be a stored XSS against the
other party of a case. So every user file goes out through `user_file_response`:
- its type comes from its first bytes, never from its name or the type recorded at upload;
- it is a download (`Content-Disposition: attachment`) unless the caller says it is a checked image
  AND its bytes are one of the raster formats browsers display as pictures only (never SVG);
- `X-Content-Type-Options: nosniff`, so the browser does not second-guess the type;
- `Content-Security-Policy: sandbox`: even opened directly, the file gets a unique origin and runs no script.
"""

from django.http import FileResponse

# Raster images a browser shows as a picture and nothing else: safe inline.
INLINE_IMAGES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
USER_FILE_CSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"
SNIFF_BYTES = 64


def sniff(head: bytes) -> str:
    """The content type of a file from its first bytes (magic numbers); octet-stream when unknown."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heim", b"heis"):
        return "image/heic"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"  # also .docx, .xlsx, .odt: saved under their own name, opened by the OS
    return "application/octet-stream"  # HTML, SVG, XML, text and the rest: bytes to save, never to render


def user_file_response(fh, filename: str, *, checked_image: bool = False,
                       cache: str = "private, no-store") -> FileResponse:
    """A response for an uploaded file `fh` (open, binary, seekable). `checked_image`: the file went
    through register.images.check_image at upload, so it may be shown inline if its bytes agree."""
    head = fh.read(SNIFF_BYTES)
    fh.seek(0)
    content_type = sniff(head)
    inline = checked_image and content_type in INLINE_IMAGES
    response = FileResponse(fh, content_type=content_type, as_attachment=not inline, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = USER_FILE_CSP
    response["Cache-Control"] = cache
    return response
