"""In Debian's Chromium against a real `turath serve`: the sign-in lockout message in French, and an
agency administrator's tokens page in Arabic (revoke a colleague's token, create a feed link)."""

import urllib.request

import pytest

from turath.core.tests.browser import BROWSER, SHOTS, served

PASSWORD = "browser-Test-2026"

pytestmark = BROWSER

FIXTURE = r"""
from turath.core import tokens
from turath.core.context import acting_as
from turath.core.models import Agency, User

ma = Agency.objects.create(code="ma-police", kind="police", country="MA", name_en="Moroccan National Police",
                           name_fr="Sûreté nationale du Maroc", name_ar="المديرية العامة للأمن الوطني")
User.objects.create_user("salma", password=PASSWORD, agency=ma, role="agency_admin", first_name="سلمى")
karim = User.objects.create_user("karim", password=PASSWORD, agency=ma, role="editor", first_name="كريم")
User.objects.create_user("youssef", password=PASSWORD, agency=ma, role="viewer")
with acting_as(None, via="test"):
    tokens.issue(karim, "script de nuit")
print("fixture ready")
""".replace("PASSWORD", repr(PASSWORD))


@pytest.fixture(scope="module")
def server():
    with served(FIXTURE, "turath-browser-auth-",
                env={"TURATH_LOGIN_MAX_FAILURES_PER_ACCOUNT": "3", "TURATH_LOGIN_LOCKOUT_SECONDS": "600"}) as instance:
        yield instance.base


def login_page(context, base, lang):
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.click(f".lang-switch button[value={lang}]")
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == lang
    return page


def submit(page, username, password):
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#main form button[type=submit]")
    page.wait_for_load_state("load")


def test_lockout_message_in_french(server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = login_page(context, server, "fr")
    submit(page, "youssef", "mauvais")
    assert "mot de passe incorrect" in page.locator("#login-error").inner_text()
    submit(page, "youssef", "mauvais")
    submit(page, "youssef", "mauvais")
    submit(page, "youssef", PASSWORD)  # the right password, refused during the lockout
    message = page.locator("#login-error").inner_text()
    assert "Trop de tentatives de connexion échouées" in message and "10 minutes" in message
    assert "/accounts/login/" in page.url
    page.screenshot(path=str(SHOTS / "auth-01-lockout-fr.png"), full_page=True)
    # The same message for a name that does not exist: nothing tells which names are accounts.
    for _ in range(3):
        submit(page, "personne", "mauvais")
    assert "Trop de tentatives" in page.locator("#login-error").inner_text()
    context.close()


def test_agency_admin_revokes_a_token_and_creates_a_feed_link_in_arabic(server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = login_page(context, server, "ar")
    submit(page, "salma", PASSWORD)
    page.goto(f"{server}/accounts/tokens/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    row = page.locator("table.tokens tbody tr", has_text="script de nuit")
    assert "كريم" in row.inner_text() and "نشط" in row.locator(".state").inner_text()
    page.screenshot(path=str(SHOTS / "auth-02-tokens-ar.png"), full_page=True)
    row.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    assert "أُلغي الرمز" in page.locator(".messages").inner_text()
    row = page.locator("table.tokens tbody tr", has_text="script de nuit")
    assert "مُلغى" in row.locator(".state").inner_text() and row.locator("button").count() == 0
    page.click("#feed-link button[type=submit]")
    page.wait_for_load_state("load")
    url = page.locator("#new-feed-url").input_value()
    assert "/cases/alerts/ma-police.atom?token=trf_" in url and "trt_" not in url
    page.screenshot(path=str(SHOTS / "auth-03-feed-link-ar.png"), full_page=True)
    # The feed link opens the feed without a session; an API token in its place would not.
    feed = urllib.request.urlopen(server + url[url.index("/cases/"):], timeout=10)
    assert feed.status == 200 and feed.headers["Content-Type"].startswith("application/atom+xml")
    context.close()
