"""Sign-in throttling: per account name and per client, temporary, audited, the same answer whether
the account exists or not, on the web sign-in and the admin's sign-in alike."""

from datetime import timedelta

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone, translation

from turath.core import auth
from turath.core.models import AuditEntry, LoginThrottle, User

PASSWORD = "x-Turath-2026"  # conftest's users


@pytest.fixture(autouse=True)
def thresholds(settings):
    settings.TURATH_LOGIN_MAX_FAILURES_PER_ACCOUNT = 3
    settings.TURATH_LOGIN_MAX_FAILURES_PER_CLIENT = 5
    settings.TURATH_LOGIN_FAILURE_WINDOW_SECONDS = 600
    settings.TURATH_LOGIN_LOCKOUT_SECONDS = 900
    settings.TURATH_TRUSTED_PROXIES = 0


def login(username, password, address="10.0.0.1", lang="en", path="/accounts/login/"):
    client = Client(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE=lang)
    response = client.post(path, {"username": username, "password": password})
    return response, client


def signed_in(response, client) -> bool:
    return response.status_code == 302 and "_auth_user_id" in client.session


@pytest.mark.django_db
def test_account_locked_after_failures_even_with_the_right_password(users):
    for _ in range(2):
        response, _client = login("eg_customs_viewer", "wrong")
        assert response.status_code == 200
        assert "did not match" in response.content.decode()
    response, _client = login("eg_customs_viewer", "wrong")  # the failure that locks says so at once
    assert "Too many failed sign-in attempts" in response.content.decode()
    response, client = login("eg_customs_viewer", PASSWORD)
    html = response.content.decode()
    assert not signed_in(response, client)
    assert "Too many failed sign-in attempts" in html and "15 minutes" in html
    assert "did not match" not in html
    # Another client is refused too: the lock is on the account name.
    response, client = login("eg_customs_viewer", PASSWORD, address="10.9.9.9")
    assert not signed_in(response, client) and "Too many failed" in response.content.decode()
    # Another account from the first client is not (3 failures < the client's 5).
    response, client = login("eg_customs_editor", PASSWORD)
    assert signed_in(response, client)


@pytest.mark.django_db
def test_the_answers_never_tell_whether_the_account_exists(users):
    answers = {}
    for name in ("eg_customs_viewer", "nobody_here"):
        pages = [login(name, "wrong", address=f"10.1.0.{len(answers)}")[0].content.decode() for _ in range(4)]
        answers[name] = [p.replace(name, "NAME") for p in pages]
    # The same pages (apart from the CSRF token) for an existing and an unknown account name.
    strip = __import__("re").compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert [strip.sub("", p) for p in answers["eg_customs_viewer"]] == [strip.sub("", p) for p in answers["nobody_here"]]
    assert "Too many failed" in answers["nobody_here"][3]


@pytest.mark.django_db
def test_client_locked_after_failures_on_several_accounts(users):
    for i in range(5):
        login(f"guess{i}", "wrong", address="192.0.2.7")
    response, client = login("eg_customs_viewer", PASSWORD, address="192.0.2.7")
    assert not signed_in(response, client) and "Too many failed" in response.content.decode()
    response, client = login("eg_customs_viewer", PASSWORD, address="192.0.2.8")
    assert signed_in(response, client)


@pytest.mark.django_db
def test_lockout_expires(users):
    for _ in range(3):
        login("eg_customs_viewer", "wrong")
    assert not signed_in(*login("eg_customs_viewer", PASSWORD))
    LoginThrottle.objects.filter(kind="account").update(locked_until=timezone.now() - timedelta(seconds=1))
    assert signed_in(*login("eg_customs_viewer", PASSWORD))
    # A success clears the account's count: three new failures are needed for a new lockout.
    assert not LoginThrottle.objects.filter(kind="account", key="eg_customs_viewer").exists()


@pytest.mark.django_db
def test_failures_outside_the_window_are_forgotten(users):
    for _ in range(2):
        login("eg_customs_viewer", "wrong")
    LoginThrottle.objects.update(window_start=timezone.now() - timedelta(seconds=601))
    login("eg_customs_viewer", "wrong")  # the first failure of a new window
    assert LoginThrottle.objects.get(kind="account").failures == 1
    assert signed_in(*login("eg_customs_viewer", PASSWORD))


@pytest.mark.django_db
def test_thresholds_come_from_settings(users, settings):
    settings.TURATH_LOGIN_MAX_FAILURES_PER_ACCOUNT = 1
    settings.TURATH_LOGIN_LOCKOUT_SECONDS = 120
    response, _client = login("eg_customs_viewer", "wrong")
    assert "try again in 2 minutes" in response.content.decode()


@pytest.mark.django_db
def test_failures_and_lockouts_are_audited_not_every_refusal(users):
    for _ in range(5):
        login("eg_customs_viewer", "wrong", address="198.51.100.4")
    failed = AuditEntry.objects.filter(action="core.user.login_failed")
    assert failed.count() == 3  # the two attempts refused during the lockout are not logged again
    assert failed.last().object_id == str(users["eg_customs_viewer"].pk)
    assert failed.last().after == {"client": "198.51.100.4", "failures": 3}
    locked = AuditEntry.objects.get(action="core.user.locked_out")
    assert locked.object_repr == "eg_customs_viewer" and locked.after["by"] == "account"
    assert locked.username == ""  # nobody is signed in: not attributed to "system" nor to the account
    assert signed_in(*login("eg_customs_editor", PASSWORD, address="198.51.100.5"))
    assert AuditEntry.objects.filter(action="core.user.login", username="eg_customs_editor").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("lang, words", [
    ("fr", "Trop de tentatives de connexion échouées"),
    ("ar", "محاولات دخول فاشلة كثيرة"),
])
def test_lockout_message_is_translated(users, lang, words):
    for _ in range(3):
        login("eg_customs_viewer", "wrong", lang=lang)
    response, _client = login("eg_customs_viewer", PASSWORD, lang=lang)
    assert words in response.content.decode()


@pytest.mark.django_db
def test_admin_sign_in_is_throttled_too(users):
    admin = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    for _ in range(3):
        login("root", "wrong", path="/admin/login/")
    response, client = login("root", PASSWORD, path="/admin/login/")
    assert not signed_in(response, client) and "Too many failed sign-in attempts" in response.content.decode()
    assert AuditEntry.objects.filter(action="core.user.locked_out", object_id=str(admin.pk)).exists()


@pytest.mark.django_db
def test_authenticate_itself_refuses_during_a_lockout(users):
    from django.contrib.auth import authenticate

    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.9")
    for _ in range(3):
        assert authenticate(request, username="eg_customs_viewer", password="wrong") is None
    assert authenticate(request, username="eg_customs_viewer", password=PASSWORD) is None
    assert authenticate(RequestFactory().post("/"), username="eg_customs_editor", password=PASSWORD) is not None


def test_client_address_behind_trusted_proxies(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    settings.TURATH_TRUSTED_PROXIES = 0
    assert auth.client_address(request) == "10.0.0.1"  # X-Forwarded-For is forgeable unless a proxy is trusted
    settings.TURATH_TRUSTED_PROXIES = 1
    assert auth.client_address(request) == "203.0.113.9"
    ipv6 = RequestFactory().get("/", REMOTE_ADDR="2001:db8:1:2:3:4:5:6")
    settings.TURATH_TRUSTED_PROXIES = 0
    assert auth.client_address(ipv6) == "2001:db8:1:2::/64"


def test_lockout_message_counts_minutes():
    with translation.override("en"):
        assert "1 minute." in auth.Lockout(timezone.now() + timedelta(seconds=20)).message()
        assert "15 minutes" in auth.Lockout(timezone.now() + timedelta(seconds=899)).message()


@pytest.mark.django_db
def test_operator_lifts_a_lockout_early(users, capsys):
    from django.core.management import call_command

    for _ in range(3):
        login("eg_customs_viewer", "wrong", address="10.3.0.1")
    assert not signed_in(*login("eg_customs_viewer", PASSWORD, address="10.3.0.2"))
    call_command("unlock", "EG_customs_viewer")
    assert "failures cleared" in capsys.readouterr().out
    assert signed_in(*login("eg_customs_viewer", PASSWORD, address="10.3.0.2"))
    assert AuditEntry.objects.filter(action="core.user.unlocked", object_repr="eg_customs_viewer").exists()
