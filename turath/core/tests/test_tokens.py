"""Tokens: default lifetime, revocation (command line, API, the tokens page), who sees whose tokens,
and feed tokens — the only tokens a feed URL carries, good for nothing but the feed."""

import re
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from turath.core import tokens
from turath.core.models import ApiToken, AuditEntry

PROBLEM = "application/problem+json"


def bearer(raw):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


# ---------------------------------------------------------------- lifetime and the command line

@pytest.mark.django_db
def test_command_line_token_gets_the_default_lifetime(users, capsys, settings):
    settings.TURATH_TOKEN_TTL_DAYS = 90
    call_command("token", "create", "eg_customs_viewer")
    raw = capsys.readouterr().out.strip()
    token = ApiToken.objects.get(key_hash=ApiToken.hash(raw))
    assert token.scope == "api" and timedelta(days=89) < token.expires - timezone.now() <= timedelta(days=90)
    call_command("token", "create", "eg_customs_viewer", "--expires-in", "7")
    token = ApiToken.objects.get(key_hash=ApiToken.hash(capsys.readouterr().out.strip()))
    assert timedelta(days=6) < token.expires - timezone.now() <= timedelta(days=7)
    call_command("token", "create", "eg_customs_viewer", "--no-expiry")
    token = ApiToken.objects.get(key_hash=ApiToken.hash(capsys.readouterr().out.strip()))
    assert token.expires is None
    with pytest.raises(CommandError, match="--no-expiry"):
        call_command("token", "create", "eg_customs_viewer", "--expires-in", "0")
    with pytest.raises(CommandError):
        call_command("token", "create", "eg_customs_viewer", "--expires-in", "3", "--no-expiry")


@pytest.mark.django_db
def test_command_line_list_and_revoke(users, capsys):
    user = users["eg_customs_viewer"]
    a, raw_a = ApiToken.issue(user, "laptop")
    b, raw_b = ApiToken.issue(user, "script")
    ApiToken.issue(users["eg_customs_editor"], "someone else's")
    call_command("token", "list", "eg_customs_viewer")
    out = capsys.readouterr().out
    assert "laptop" in out and "script" in out and "someone else" not in out and out.count("active") == 2
    call_command("token", "revoke", a.prefix)
    assert "revoked" in capsys.readouterr().out
    assert bearer(raw_a).get("/api/v1/objects/").status_code == 401
    assert bearer(raw_b).get("/api/v1/objects/").status_code == 200
    call_command("token", "revoke", "--user", "eg_customs_viewer")
    assert "1 token(s)" in capsys.readouterr().out
    assert bearer(raw_b).get("/api/v1/objects/").status_code == 401
    call_command("token", "list", "eg_customs_viewer")
    assert capsys.readouterr().out.count("revoked") == 2
    assert AuditEntry.objects.filter(action="core.apitoken.revoke").count() == 2
    with pytest.raises(CommandError, match="No token"):
        call_command("token", "revoke", "trt_nothere")


@pytest.mark.django_db
def test_expired_and_revoked_tokens_are_refused_with_problem_json(users):
    token, raw = ApiToken.issue(users["eg_customs_viewer"], days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires=timezone.now() - timedelta(minutes=1))
    response = bearer(raw).get("/api/v1/objects/")
    assert response.status_code == 401 and response["Content-Type"].startswith(PROBLEM)
    assert "expired on" in response.json()["detail"] and response["WWW-Authenticate"].startswith("Bearer")
    token, raw = ApiToken.issue(users["eg_customs_viewer"])
    tokens.revoke(users["eg_customs_viewer"], token)
    response = bearer(raw).get("/api/v1/objects/")
    assert response.status_code == 401 and response.json()["detail"] == "Token revoked."


# ---------------------------------------------------------------- the API

@pytest.mark.django_db
def test_api_lists_own_tokens_and_an_agency_admin_those_of_the_agency(users):
    viewer, editor, admin = users["eg_customs_viewer"], users["eg_customs_editor"], users["eg_customs_agency_admin"]
    other = users["ma_police_editor"]
    own, raw = ApiToken.issue(viewer, "viewer's laptop")
    ApiToken.issue(editor, "editor's script")
    ApiToken.issue(other, "moroccan token")
    body = bearer(raw).get("/api/v1/tokens/").json()
    assert [t["name"] for t in body["results"]] == ["viewer's laptop"]
    assert "key_hash" not in body["results"][0] and body["results"][0]["state"] == "active"
    _t, admin_raw = ApiToken.issue(admin, "admin console")
    listed = bearer(admin_raw).get("/api/v1/tokens/").content.decode()
    assert "viewer's laptop" in listed and "editor's script" in listed and "admin console" in listed
    assert "moroccan token" not in listed and "ma_police" not in listed
    _t, ma_admin_raw = ApiToken.issue(users["ma_police_agency_admin"])
    assert "viewer's laptop" not in bearer(ma_admin_raw).get("/api/v1/tokens/").content.decode()


@pytest.mark.django_db
def test_api_revocation_own_and_by_the_agency_admin_only(users):
    viewer, admin = users["eg_customs_viewer"], users["eg_customs_agency_admin"]
    token, raw = ApiToken.issue(viewer, "laptop")
    _t, editor_raw = ApiToken.issue(users["eg_customs_editor"])
    _t, ma_admin_raw = ApiToken.issue(users["ma_police_agency_admin"])
    _t, admin_raw = ApiToken.issue(admin)
    # Another agency's administrator and a colleague who is not an administrator: the token does not exist.
    for other in (ma_admin_raw, editor_raw):
        response = bearer(other).post(f"/api/v1/tokens/{token.pk}/revoke/")
        assert response.status_code == 404 and response["Content-Type"].startswith(PROBLEM)
        assert "laptop" not in response.content.decode()
    assert bearer(raw).get("/api/v1/objects/").status_code == 200
    response = bearer(admin_raw).post(f"/api/v1/tokens/{token.pk}/revoke/")
    assert response.status_code == 200 and response.json()["state"] == "revoked"
    assert response.json()["revoked_by"] == admin.username
    assert bearer(raw).get("/api/v1/objects/").status_code == 401
    entry = AuditEntry.objects.get(action="core.apitoken.revoke")
    assert entry.username == admin.username and entry.object_id == str(token.pk)
    # A user revokes their own token (even the one in use); a second revocation changes nothing.
    own, own_raw = ApiToken.issue(viewer)
    assert bearer(own_raw).post(f"/api/v1/tokens/{own.pk}/revoke/").status_code == 200
    assert bearer(own_raw).get("/api/v1/tokens/").status_code == 401
    assert bearer(admin_raw).post(f"/api/v1/tokens/{own.pk}/revoke/").status_code == 200
    assert AuditEntry.objects.filter(action="core.apitoken.revoke").count() == 2
    assert bearer(admin_raw).post("/api/v1/tokens/abc/revoke/").status_code == 404


@pytest.mark.django_db
def test_tokens_api_needs_someone(users):
    response = APIClient().get("/api/v1/tokens/")
    assert response.status_code == 401 and response["Content-Type"].startswith(PROBLEM)


# ---------------------------------------------------------------- feed tokens

@pytest.mark.django_db
def test_feed_token_reads_the_feed_and_nothing_else(users):
    user = users["ma_police_viewer"]
    token, raw = ApiToken.issue(user, "reader", scope="feed")
    assert raw.startswith("trf_") and token.expires is not None
    feed = Client().get(f"/cases/alerts/ma-police.atom?token={raw}")
    assert feed.status_code == 200 and feed["Content-Type"].startswith("application/atom+xml")
    assert Client().get(f"/cases/alerts/eg-customs.atom?token={raw}").status_code == 404  # not its agency's
    for response in (bearer(raw).get("/api/v1/objects/"), bearer(raw).get("/api/v1/tokens/"),
                     bearer(raw).post("/api/v1/objects/", {}, format="json")):
        assert response.status_code == 401 and response["Content-Type"].startswith(PROBLEM)
        assert "feed token" in response.json()["detail"]


@pytest.mark.django_db
def test_api_token_in_a_query_string_is_refused(users):
    user = users["ma_police_viewer"]
    _token, raw = ApiToken.issue(user)
    response = Client().get(f"/cases/alerts/ma-police.atom?token={raw}")
    assert response.status_code == 401 and "not accepted in a URL" in response.content.decode()
    assert "<feed" not in response.content.decode()
    # In the Authorization header an API token still reads the feed.
    assert Client().get("/cases/alerts/ma-police.atom", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    for url in (f"/api/v1/objects/?token={raw}", f"/api/v1/objects/?access_token={raw}"):
        response = APIClient().get(url)
        assert response.status_code == 401 and "query string" in response.json()["detail"]
    # ...even with a valid header beside it: the token in the URL has leaked already.
    assert bearer(raw).get(f"/api/v1/objects/?token={raw}").status_code == 401


@pytest.mark.django_db
def test_expired_or_revoked_feed_link_says_so(users):
    user = users["ma_police_viewer"]
    token, raw = ApiToken.issue(user, scope="feed")
    ApiToken.objects.filter(pk=token.pk).update(expires=timezone.now() - timedelta(days=1))
    response = Client().get(f"/cases/alerts/ma-police.atom?token={raw}")
    assert response.status_code == 401 and "expired" in response.content.decode()
    token, raw = ApiToken.issue(user, scope="feed")
    tokens.revoke(user, token)
    assert Client().get(f"/cases/alerts/ma-police.atom?token={raw}").status_code == 401


# ---------------------------------------------------------------- the tokens page

@pytest.mark.django_db
def test_tokens_page_lists_the_agency_people_tokens_for_its_admin(users):
    admin = users["eg_customs_agency_admin"]
    mine, _ = ApiToken.issue(users["eg_customs_viewer"], "viewer's laptop")
    used, _ = ApiToken.issue(users["eg_customs_editor"], "nightly export", no_expiry=True)
    ApiToken.objects.filter(pk=used.pk).update(last_used=timezone.now())
    ApiToken.issue(users["ma_police_editor"], "moroccan token")
    html = signed_in(admin).get("/accounts/tokens/").content.decode()
    assert "viewer&#x27;s laptop" in html and "nightly export" in html and "never expires" in html
    assert "moroccan token" not in html and "ma_police" not in html
    assert f'id="token-{mine.pk}"' in html and html.count('name="token"') == 2  # a revoke button each
    viewer_html = signed_in(users["eg_customs_editor"]).get("/accounts/tokens/").content.decode()
    assert "nightly export" in viewer_html and "viewer&#x27;s laptop" not in viewer_html


@pytest.mark.django_db
def test_tokens_page_revokes_within_the_agency_only(users):
    admin = users["eg_customs_agency_admin"]
    token, raw = ApiToken.issue(users["eg_customs_viewer"], "laptop")
    ma_token, _ = ApiToken.issue(users["ma_police_editor"], "moroccan token")
    client = signed_in(admin)
    assert client.post("/accounts/tokens/", {"token": ma_token.pk}).status_code == 404
    assert client.post("/accounts/tokens/", {"token": "x"}).status_code == 404
    ma_token.refresh_from_db()
    assert ma_token.revoked is None
    response = client.post("/accounts/tokens/", {"token": token.pk}, follow=True)
    assert "was revoked" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked is not None and token.revoked_by == admin
    assert bearer(raw).get("/api/v1/objects/").status_code == 401
    assert AuditEntry.objects.filter(action="core.apitoken.revoke", username=admin.username).exists()
    # An ordinary colleague cannot revoke someone else's token.
    other, _ = ApiToken.issue(users["eg_customs_viewer"], "second")
    assert signed_in(users["eg_customs_editor"]).post("/accounts/tokens/", {"token": other.pk}).status_code == 404


@pytest.mark.django_db
def test_feed_link_shown_to_the_user_carries_a_feed_token(users, settings):
    settings.TURATH_BASE_URL = "https://turath.example.org"
    user = users["ma_police_viewer"]
    client = signed_in(user)
    inbox = client.get("/cases/inbox/").content.decode()
    assert "?token=" not in inbox and 'href="/accounts/tokens/#feed-link"' in inbox
    html = client.post("/accounts/tokens/", {"form": "feed"}).content.decode()
    url = re.search(r'id="new-feed-url" value="([^"]+)"', html).group(1)
    assert url.startswith("https://turath.example.org/cases/alerts/ma-police.atom?token=trf_")
    assert "trt_" not in html
    token = ApiToken.objects.get(user=user)
    assert token.scope == "feed" and token.expires is not None
    assert Client().get(url.removeprefix("https://turath.example.org")).status_code == 200
    # Shown once: the page does not show it again.
    assert "trf_" not in client.get("/accounts/tokens/").content.decode().replace(token.prefix, "")
    with pytest.raises(ValueError):
        tokens.feed_url("ma-police", "trt_abc")
