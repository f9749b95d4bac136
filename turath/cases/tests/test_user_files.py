"""Files users uploaded are served so that none runs in Turath's origin: a case attachment named
`evidence.html` (or .svg, .xhtml, .htm) reaches the other party as a download of bytes, never as an
HTML document; only checked images are shown inline; every user file carries a sandbox CSP."""

import io
from datetime import date

import pytest
from PIL import Image

from turath.cases import services
from turath.cases.models import Attachment
from turath.core.errors import RecordInvalid
from turath.register import services as register
from turath.register.images import add_image

pytestmark = [pytest.mark.django_db]

HTML = b"<!doctype html><html><body><script>fetch('/api/v1/objects/').then(r=>r.text()).then(alert)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>'
XHTML = (b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body>'
         b"<script>alert(1)</script></body></html>")
RENDERED = ("text/html", "image/svg+xml", "application/xhtml+xml", "text/xml", "application/xml")


def picture(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (150, 120, 60)).save(out, fmt)
    return out.getvalue()


@pytest.fixture
def restitution(users, actor):
    """Moroccan police hold an object Egypt claims: the two agencies are the case's two parties."""
    ma = users["ma_police_editor"]
    with actor(ma):
        obj = register.create_object(ma, {"record_number": "MA-POL-9", "object_type": "coin", "title": "Dinar",
                                          "language": "fr", "sharing": "network"})
        return services.open_restitution(ma, {"requesting_country": "EG", "holding_agency": "ma-police",
                                              "legal_basis": "bilateral", "opened_on": date.today().isoformat()},
                                         objects=[obj.record_number])


def _attach(users, actor, case, data, name, kind):
    ma = users["ma_police_editor"]
    with actor(ma):
        return services.add_attachment(ma, case, data, name, kind=kind)


@pytest.mark.parametrize("name,data", [("evidence.html", HTML), ("evidence.htm", HTML), ("evidence.svg", SVG),
                                       ("evidence.xhtml", XHTML)], ids=["html", "htm", "svg", "xhtml"])
@pytest.mark.parametrize("kind", [Attachment.Kind.EVIDENCE, Attachment.Kind.DOCUMENT])
def test_html_attachment_reaches_the_other_party_as_a_download(client, users, actor, restitution, name, data, kind):
    att = _attach(users, actor, restitution, data, name, kind)
    assert att.mime == "application/octet-stream"  # recorded from the bytes, not from the name
    client.force_login(users["eg_ministry_editor"])  # the requesting state: the other party
    page = client.get(f"/cases/restitution/{restitution.pk}/").content.decode()
    assert f"/cases/attachments/{att.pk}/" in page
    response = client.get(f"/cases/attachments/{att.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert not response["Content-Type"].startswith(RENDERED)
    assert response["Content-Disposition"].startswith("attachment;") and name in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert b"".join(response.streaming_content) == data  # the evidence itself is intact


def test_only_checked_photographs_are_shown_inline(client, users, actor, restitution):
    jpeg = picture("JPEG")
    photo = _attach(users, actor, restitution, jpeg, "scene.html", Attachment.Kind.PHOTO)  # a JPEG, whatever its name
    evidence = _attach(users, actor, restitution, picture("PNG"), "scan.png", Attachment.Kind.EVIDENCE)
    pdf = _attach(users, actor, restitution, b"%PDF-1.4 proces-verbal", "PV.pdf", Attachment.Kind.DOCUMENT)
    client.force_login(users["eg_ministry_editor"])
    shown = client.get(f"/cases/attachments/{photo.pk}/")
    assert shown["Content-Type"] == "image/jpeg" and shown["Content-Disposition"].startswith("inline")
    assert shown["Content-Security-Policy"].startswith("sandbox") and shown["X-Content-Type-Options"] == "nosniff"
    assert shown["Cache-Control"] == "private, no-store"
    # Evidence was not checked as an image at upload: a download, with its true type.
    unchecked = client.get(f"/cases/attachments/{evidence.pk}/")
    assert unchecked["Content-Type"] == "image/png" and unchecked["Content-Disposition"].startswith("attachment")
    document = client.get(f"/cases/attachments/{pdf.pk}/")
    assert document["Content-Type"] == "application/pdf" and document["Content-Disposition"].startswith("attachment")
    with pytest.raises(RecordInvalid):  # an HTML file is no photograph
        _attach(users, actor, restitution, HTML, "photo.jpg", Attachment.Kind.PHOTO)


def test_attachment_recorded_with_a_wrong_type_is_still_served_by_its_bytes(client, users, actor, restitution):
    """Attachments stored before this fix carry the type guessed from their name; serving ignores it."""
    att = _attach(users, actor, restitution, HTML, "evidence.html", Attachment.Kind.EVIDENCE)
    Attachment.objects.filter(pk=att.pk).update(mime="text/html")
    client.force_login(users["eg_ministry_editor"])
    response = client.get(f"/cases/attachments/{att.pk}/")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")


def test_register_photographs_inline_only_as_raster_images(client, users, actor):
    eg = users["eg_ministry_editor"]
    with actor(eg):
        obj = register.create_object(eg, {"record_number": "EG-MOA-1/2", "object_type": "coin", "title": "Dinar",
                                          "language": "fr", "sharing": "members"})
        jpeg = add_image(eg, obj, picture("JPEG"), "front.svg")
        tiff = add_image(eg, obj, picture("TIFF"), "back.tif")
    client.force_login(users["ma_police_viewer"])
    for size in ("thumb", "medium", "original"):
        for url in (f"/objects/{obj.record_number}/images/{jpeg.sha256}/{size}/",
                    f"/api/v1/objects/{obj.uid}/images/{jpeg.sha256}/{size}"):
            r = client.get(url)
            assert r.status_code == 200, url
            assert r["Content-Type"] == "image/jpeg" and r["Content-Disposition"].startswith("inline")
            assert r["Content-Security-Policy"].startswith("sandbox") and r["X-Content-Type-Options"] == "nosniff"
            assert r["Cache-Control"] == "private, no-store"  # a restricted record's photograph
    original = client.get(f"/objects/{obj.record_number}/images/{tiff.sha256}/original/")
    assert original["Content-Type"] == "image/tiff" and original["Content-Disposition"].startswith("attachment")
    assert client.get(f"/objects/{obj.record_number}/images/{tiff.sha256}/thumb/")["Content-Type"] == "image/jpeg"
