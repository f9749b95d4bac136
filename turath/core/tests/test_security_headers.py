"""Headers and cookies of every response: a Content-Security-Policy with no inline script or style,
no caching of restricted pages and API responses, Secure cookies over HTTPS, a CSRF cookie script
cannot read, and a request id of our own in the audit log (the client's kept apart, bounded)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loaders.app_directories import get_app_template_dirs

from turath.core import audit
from turath.core.models import AuditEntry
from turath.register.tests.factories import make_object

PASSWORD = "x-Turath-2026"


def csp(response) -> dict:
    return {d.split()[0]: d.split()[1:] for d in response["Content-Security-Policy"].split(";") if d.strip()}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/objects/", "/heritage/", "/api/v1/objects/",
                                  "/no-such-page/"])
def test_every_response_has_a_csp_without_inline_script_or_style(client, users, path):
    for signed_in in (False, True):
        if signed_in:
            client.force_login(users["eg_customs_editor"])
        response = client.get(path, follow=True)
        policy = csp(response)
        assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"], response["Content-Security-Policy"]
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]
        assert "'unsafe-eval'" not in response["Content-Security-Policy"]


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_relies_on_what_the_csp_refuses():
    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]] + [Path(d) for d in get_app_template_dirs("templates")]
    found = []
    for root in roots:
        if "site-packages" in str(root):
            continue  # Django's own admin templates, checked in the browser test's pages
        for path in root.rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            found += [f"{path.relative_to(root)}: {what}" for pattern, what in INLINE if pattern.search(text)]
    assert found == []


@pytest.mark.django_db
def test_restricted_pages_and_api_responses_are_not_cached(client, users):
    anonymous_home = client.get("/heritage/")
    assert "no-store" not in anonymous_home.get("Cache-Control", "")  # public pages may be cached
    assert client.get("/api/v1/objects/")["Cache-Control"] == "private, no-store"
    client.force_login(users["eg_customs_editor"])
    for path in ("/objects/", "/cases/", "/cases/inbox/", "/custody/", "/heritage/", "/api/v1/objects/"):
        assert client.get(path)["Cache-Control"] == "private, no-store", path


@pytest.mark.django_db
def test_csrf_cookie_is_not_readable_by_script(client):
    response = client.get("/accounts/login/")
    assert response.cookies["csrftoken"]["httponly"] is True


@pytest.mark.django_db
@pytest.mark.parametrize("https", [True, False])
def test_cookies_are_secure_whenever_served_over_https(client, users, https):
    client.get("/accounts/login/", secure=https)
    response = client.post("/accounts/login/", {"username": users["eg_customs_editor"].username,
                                                "password": PASSWORD}, secure=https)
    assert response.status_code == 302
    for name in ("sessionid", "csrftoken"):
        assert bool(response.cookies[name]["secure"]) is https, name


@pytest.mark.django_db
def test_https_behind_a_proxy_is_recognised_from_its_header(client, users, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.post("/accounts/login/", {"username": users["eg_customs_editor"].username,
                                                "password": PASSWORD}, HTTP_X_FORWARDED_PROTO="https")
    assert response.cookies["sessionid"]["secure"] is True


@pytest.mark.django_db
@pytest.mark.parametrize("sent,kept", [
    ("client-abc-123", "client-abc-123"),
    ("00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000000"),
    ("<script>x</script>\"; DROP TABLE", "scriptx/scriptDROPTABLE"),
    ("a" * 5000, "a" * 64),
])
def test_client_request_id_is_never_the_audit_request_id(client, users, sent, kept):
    owner = users["eg_customs_editor"]
    obj = make_object(owner, "EG-REQ-1")  # sharing "agency": viewing it is audited
    client.force_login(owner)
    before = AuditEntry.objects.count()
    response = client.get(f"/objects/{obj.record_number}/", HTTP_X_REQUEST_ID=sent)
    assert response.status_code == 200
    entry = AuditEntry.objects.order_by("-seq").first()
    assert AuditEntry.objects.count() == before + 1 and entry.action == "register.object.view"
    assert entry.request_id == response["X-Request-ID"] != sent
    assert re.fullmatch(r"[0-9a-f-]{36}", entry.request_id)
    assert entry.client_request_id == kept
    # Two requests sending the same id still get two ids of ours.
    again = client.get(f"/objects/{obj.record_number}/", HTTP_X_REQUEST_ID=sent)
    assert again["X-Request-ID"] != response["X-Request-ID"]
    assert audit.verify_chain().ok  # the client's id is part of the entry's hash
