"""Bearer-token authentication of the API: every failure is a 401 application/problem+json with a
WWW-Authenticate challenge, and a token only ever acts as its (active) user."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from turath.core.models import ApiToken, AuditEntry
from turath.register.tests.factories import make_object

PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def records(users):
    """An agency-only Egyptian customs record and a public Moroccan one."""
    make_object(users["eg_customs_editor"], "EG-CUS-2026-0001", title="تمثال برونزي لأوزيريس", lang="ar",
                object_type="stele")
    make_object(users["ma_museum_editor"], "MA-MUS-2026-0001", title="Lampe à huile romaine", lang="fr",
                object_type="oil lamp", sharing="public")


def get(header=None, path="/api/v1/objects/"):
    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    return client.get(path)


def assert_unauthorized(response, detail_part):
    assert response.status_code == 401, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    assert response["WWW-Authenticate"].startswith("Bearer")
    body = response.json()
    assert body["status"] == 401 and body["title"] == "Unauthorized" and detail_part in body["detail"]
    assert "EG-CUS" not in response.content.decode()


@pytest.mark.django_db
def test_valid_token_acts_as_its_user(users, records):
    token, raw = ApiToken.issue(users["eg_customs_viewer"], "integration")
    assert raw.startswith("trt_") and token.key_hash != raw and raw not in token.key_hash
    response = get(f"Bearer {raw}")
    assert response.status_code == 200
    assert {r["record_number"] for r in response.json()["results"]} == {"EG-CUS-2026-0001", "MA-MUS-2026-0001"}
    token.refresh_from_db()
    assert token.last_used is not None
    assert get(f"bearer {raw}").status_code == 200  # the scheme name is case-insensitive


@pytest.mark.django_db
def test_token_printed_by_the_command_line_works(users, records, capsys):
    call_command("token", "create", "eg_customs_viewer", "--days", "1")
    raw = capsys.readouterr().out.strip()
    assert get(f"Bearer {raw}", "/api/v1/objects/EG-CUS-2026-0001/").status_code == 200
    assert AuditEntry.objects.filter(action="core.apitoken.create").exists()


@pytest.mark.django_db
def test_wrong_token(users, records):
    _token, raw = ApiToken.issue(users["eg_customs_viewer"])
    assert_unauthorized(get(f"Bearer {raw}x"), "Invalid token")
    assert_unauthorized(get("Bearer trt_" + "A" * 43), "Invalid token")
    assert_unauthorized(get("Bearer رمز-عربي"), "Invalid token")


@pytest.mark.django_db
def test_expired_token(users, records):
    token, raw = ApiToken.issue(users["eg_customs_viewer"], days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires=timezone.now() - timedelta(seconds=1))
    assert_unauthorized(get(f"Bearer {raw}"), "expired")


@pytest.mark.django_db
def test_token_expires_by_default_and_never_only_when_asked(users, records, settings):
    settings.TURATH_TOKEN_TTL_DAYS = 90
    token, _raw = ApiToken.issue(users["eg_customs_viewer"])
    assert timedelta(days=89) < token.expires - timezone.now() <= timedelta(days=90)
    with pytest.raises(ValueError):
        ApiToken.issue(users["eg_customs_viewer"], days=0)  # 0 used to mean "never": now refused
    token, raw = ApiToken.issue(users["eg_customs_viewer"], no_expiry=True)
    assert token.expires is None and get(f"Bearer {raw}").status_code == 200


@pytest.mark.django_db
def test_inactive_user(users, records):
    user = users["eg_customs_viewer"]
    _token, raw = ApiToken.issue(user)
    user.is_active = False
    user.save()
    assert_unauthorized(get(f"Bearer {raw}"), "inactive")


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Basic ZWdfY3VzdG9tczp4", "Token abc", "trt_abc"])
def test_malformed_header(users, records, header):
    assert_unauthorized(get(header), "Malformed Authorization header")


@pytest.mark.django_db
def test_without_token_reads_public_records_only_and_cannot_write(users, records):
    response = get()
    assert response.status_code == 200
    assert [r["record_number"] for r in response.json()["results"]] == ["MA-MUS-2026-0001"]
    assert get(path="/api/v1/objects/EG-CUS-2026-0001/").status_code == 404
    client = APIClient()
    for response in (
        client.post("/api/v1/objects/", {"record_number": "X-1", "object_type": "coin", "title": "x"}, format="json"),
        client.patch("/api/v1/objects/MA-MUS-2026-0001/", {"maker": "x"}, format="json"),
        client.post("/api/v1/objects/MA-MUS-2026-0001/status/", {"status": "reported_stolen"}, format="json"),
        client.post("/api/v1/objects/MA-MUS-2026-0001/images/", {"file": io.BytesIO(b"x")}, format="multipart"),
    ):
        assert_unauthorized(response, "credentials were not provided")


@pytest.mark.django_db
def test_bad_token_on_a_write_is_401_and_changes_nothing(users, records):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer nope")
    response = client.post("/api/v1/objects/", {"record_number": "X-1", "object_type": "coin", "title": "x"},
                           format="json")
    assert_unauthorized(response, "Invalid token")
    assert not AuditEntry.objects.filter(action="register.object.create", object_repr__startswith="X-1").exists()
