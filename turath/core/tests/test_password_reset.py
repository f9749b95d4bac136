"""Password reset through the mail backend: the link works once, the page never tells whether an
address exists, e-mails are bounded per address and client, in the person's language, audited."""

import re

import pytest
from django.core import mail
from django.test import Client

from turath.core.models import AuditEntry, LoginThrottle


@pytest.fixture
def amina(users):
    user = users["eg_customs_viewer"]
    user.email, user.first_name, user.preferred_language = "amina@customs.example.eg", "Amina", "fr"
    user.save()
    return user


@pytest.fixture(autouse=True)
def settings_for_reset(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TURATH_BASE_URL = "https://turath.example.org"
    settings.TURATH_PASSWORD_RESET_MAX_PER_WINDOW = 3


def ask(email, address="10.0.0.1", lang="en"):
    client = Client(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE=lang)
    return client.post("/accounts/password-reset/", {"email": email})


@pytest.mark.django_db
def test_reset_link_by_mail_sets_a_new_password_once(amina):
    response = ask("AMINA@customs.example.eg")
    assert response.status_code == 302 and response["Location"] == "/accounts/password-reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["amina@customs.example.eg"]
    assert message.subject == "Turath : choisir un nouveau mot de passe"  # her language, not the request's
    assert "Bonjour Amina" in message.body
    link = re.search(r"https://turath\.example\.org(/accounts/reset/\S+/)", message.body).group(1)
    client = Client()
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and "new_password1" in form_page.content.decode()
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": "Nouveau-Mot-2026!",
                                                         "new_password2": "Nouveau-Mot-2026!"})
    assert done.status_code == 302 and done["Location"] == "/accounts/reset/done/"
    amina.refresh_from_db()
    assert amina.check_password("Nouveau-Mot-2026!")
    assert AuditEntry.objects.filter(action="core.user.password_reset_requested", object_id=str(amina.pk)).exists()
    assert AuditEntry.objects.filter(action="core.user.password_reset", object_id=str(amina.pk)).exists()
    # The link is spent.
    again = Client().get(link, follow=True)
    assert 'id="reset-invalid"' in again.content.decode()


@pytest.mark.django_db
def test_the_page_never_tells_whether_the_address_exists(amina):
    known = ask("amina@customs.example.eg")
    unknown = ask("nobody@nowhere.example", address="10.0.0.2")
    assert known.status_code == unknown.status_code == 302 and known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1
    page = Client().get(known["Location"]).content.decode()
    assert "If the address belongs to an account" in page and "amina" not in page.lower()


@pytest.mark.django_db
def test_reset_mails_are_bounded_per_address_and_per_client(amina):
    for i in range(5):
        assert ask("amina@customs.example.eg", address=f"10.0.1.{i}").status_code == 302
    assert len(mail.outbox) == 3  # TURATH_PASSWORD_RESET_MAX_PER_WINDOW for the address
    for i in range(4):
        ask(f"someone{i}@example.org", address="10.0.2.1")
    assert LoginThrottle.objects.get(kind="reset-client", key="10.0.2.1").failures == 4
    assert AuditEntry.objects.filter(action="core.user.password_reset_throttled").count() == 2


@pytest.mark.django_db
def test_a_reset_lifts_the_sign_in_lockout(amina, settings):
    settings.TURATH_LOGIN_MAX_FAILURES_PER_ACCOUNT = 2
    for _ in range(2):
        Client().post("/accounts/login/", {"username": amina.username, "password": "wrong"})
    assert LoginThrottle.objects.filter(kind="account", key=amina.username, locked_until__isnull=False).exists()
    ask(amina.email)
    link = re.search(r"(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    client = Client()
    page = client.get(link, follow=True)
    client.post(page.redirect_chain[-1][0], {"new_password1": "Nouveau-Mot-2026!", "new_password2": "Nouveau-Mot-2026!"})
    response = Client().post("/accounts/login/", {"username": amina.username, "password": "Nouveau-Mot-2026!"})
    assert response.status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("lang, words", [("ar", "إعادة تعيين كلمة المرور"), ("fr", "Réinitialiser votre mot de passe")])
def test_reset_pages_are_translated(lang, words):
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    assert words in client.get("/accounts/password-reset/").content.decode()
    login_page = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/password-reset/"' in login_page
