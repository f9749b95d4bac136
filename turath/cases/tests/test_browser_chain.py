"""The customs chain end to end in Debian's Chromium, once in Arabic and once in French:
report → validation → alert in another agency's inbox → seizure of ten items → custody entry →
two movements → condition check → restitution → handover; and "Check an object" with a photo.

A real `turath serve` runs on its own temporary database, filled through the services; every step
after that goes through the web pages. A screenshot of each step goes to test-artifacts/screenshots/,
and a few of them are copied to docs/walkthrough/ for the README's walkthrough."""

import io
import os
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from turath.core.tests.browser import BROWSER, ROOT, SHOTS, served
from turath.register.tests.test_browser import PASSWORD, sign_in, switch_language

pytestmark = BROWSER

WALKTHROUGH = ROOT / "docs" / "walkthrough"
COFFEE = Path(__import__("skimage").__file__).parent / "data" / "coffee.png"

# Two member states: the Egyptian ministry reports, Moroccan customs seizes and keeps the objects.
# One manuscript per language run (a record is reported stolen once), and a public photographed
# object for "Check an object".
FIXTURE = r"""
from turath.core.context import acting_as
from turath.core.models import Agency, User
from turath.custody import services as custody
from turath.register import services
from turath.register.images import add_image

# One person drafts and validates here: this office has turned four-eyes validation off (its setting).
eg = Agency.objects.create(code="eg-moa", kind="ministry", country="EG", name_en="Ministry of Tourism and Antiquities",
                           name_fr="Ministère du Tourisme et des Antiquités", name_ar="وزارة السياحة والآثار",
                           four_eyes_validation=False)
ma = Agency.objects.create(code="ma-customs", kind="customs", country="MA",
                           name_en="Customs and Excise Administration of Morocco",
                           name_fr="Administration des douanes et impôts indirects", name_ar="إدارة الجمارك والضرائب غير المباشرة")
nadia = User.objects.create_user("nadia", password=PASSWORD, agency=eg, role="editor",
                                 first_name="نادية", last_name="فهمي")
karim = User.objects.create_user("karim", password=PASSWORD, agency=ma, role="editor",
                                 first_name="Karim", last_name="Benjelloun")
with acting_as(nadia, via="test"):
    for number, title, lang in (("EG-MOA-2026-0117", "مصحف مملوكي مذهب من القاهرة", "ar"),
                                ("EG-MOA-2026-0118", "Manuscrit mamelouk enluminé", "fr")):
        services.create_object(nadia, {"record_number": number, "object_type": "manuscript", "language": lang,
                                       "title": title, "materials": "paper; gold", "period": "Mamluk",
                                       "origin_country": "EG", "sharing": "agency"})
    cup = services.create_object(nadia, {"record_number": "EG-MOA-2026-0200", "object_type": "oil lamp",
                                         "language": "fr", "title": "Tasse en céramique, fonds de café",
                                         "materials": "clay", "origin_country": "EG", "sharing": "public"})
    add_image(nadia, cup, open(COFFEE, "rb").read(), "coffee.png")
with acting_as(karim, via="test"):
    depot = custody.create_facility(karim, {"code": "tng-depot", "name": "Dépôt des saisies, Tanger Med"})
    for code, name in (("B1/R2/S3", "Étagère"), ("B1/R4/S1", "Armoire forte"), ("B2/V1", "Chambre forte")):
        custody.add_location(karim, depot, code, name)
print("fixture ready")
""".replace("PASSWORD", repr(PASSWORD)).replace("COFFEE", repr(str(COFFEE)))

# The screenshots the README walkthrough shows (customs work in French, the report in Arabic).
WALKTHROUGH_SHOTS = {
    "cases-ar-02-validated": "01-report-validated-ar.png",
    "cases-fr-03-inbox": "02-alert-inbox-fr.png",
    "cases-fr-04-seizure": "03-seizure-ten-items-fr.png",
    "cases-fr-07-condition": "04-custody-chain-fr.png",
    "cases-ar-09-handover": "05-handover-ar.png",
    "check-fr-result": "06-check-an-object-fr.png",
}


@pytest.fixture(scope="module")
def server():
    # No background worker: on SQLite its index writes race the pages' deferred transactions into
    # "database is locked" (a settings fix, transaction_mode IMMEDIATE, is with the lead); the
    # index for "Check an object" is built by `turath matching reindex`.
    with served(FIXTURE, "turath-chain-", reindex=True, worker=False) as instance:
        yield instance.base


def shot(page, name):
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def as_user(browser, base, username, lang):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = sign_in(context, base, username)
    switch_language(page, lang)
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    return context, page


def submit(page, selector="#main form .form-actions button[type=submit]"):
    with page.expect_navigation() as navigation:
        page.click(selector)
    response = navigation.value
    if response is not None and response.status >= 500:
        (SHOTS / "cases-server-error.html").write_text(page.content())  # the traceback, with TURATH_BROWSER_DEBUG=1
    assert response is not None and response.status < 500, f"{response and response.status} at {page.url}"


def no_errors(page):
    errors = page.locator(".errorlist, [role=alert]")
    assert errors.count() == 0, errors.all_inner_texts()


def local_time(days_ago: float) -> str:
    return (datetime.now() - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M")


# Text typed by the officers, in each run's language.
TEXT = {
    "ar": {"place": "مخزن دار الكتب، القاهرة", "post": "ميناء طنجة المتوسط", "declared": "تحف زينة حديثة",
           "observed": "عملات فضية قديمة ومصباح زيت", "item": "درهم فضي", "mover": "العريف العمراني",
           "why": ["تصوير", "تأمين في الخزنة"], "checker": "د. العلوي", "note": "شرخ في الفوهة",
           "museum": "المتحف المصري بالقاهرة", "record": "EG-MOA-2026-0117"},
    "fr": {"place": "Magasin de Dar al-Kutub, Le Caire", "post": "Port de Tanger Med",
           "declared": "Objets de décoration modernes", "observed": "Monnaies anciennes en argent et une lampe",
           "item": "Dirham d'argent", "mover": "Brigadier Amrani", "why": ["Photographie", "Mise en sécurité"],
           "checker": "Dr. Alaoui", "note": "Fissure sur le bec", "museum": "Musée égyptien du Caire",
           "record": "EG-MOA-2026-0118"},
}


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_customs_chain(server, browser, lang):
    t = TEXT[lang]
    today = date.today()

    # 1. The Egyptian ministry's editor writes the theft report …
    eg_context, page = as_user(browser, server, "nadia", lang)
    page.goto(f"{server}/cases/reports/new/")
    page.select_option("#id_kind", "theft")
    page.fill("#id_occurred_on", (today - timedelta(days=40)).isoformat())
    page.fill("#id_discovered_on", (today - timedelta(days=39)).isoformat())
    page.fill("#id_place", t["place"])
    page.fill("#id_police_reference", "CAI-2026-5521")
    page.select_option("#id_publish_sharing", "network")
    page.fill("#id_objects", t["record"])
    shot(page, f"cases-{lang}-01-report")
    submit(page)
    assert "/cases/reports/" in page.url
    report_number = page.locator("h1 bdi").inner_text()

    # 2. … submits it and, as editor, validates it: it is published to the network.
    draft_state = page.locator("#report-state").inner_text()
    submit(page, "form[action$='/submit/'] button")
    submit(page, "form[action$='/validate/'] button")
    published_state = page.locator("#report-state").inner_text()
    assert published_state != draft_state
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    shot(page, f"cases-{lang}-02-validated")
    eg_context.close()

    # 3. Moroccan customs see the alert in their inbox, in their language, and open it.
    ma_context, page = as_user(browser, server, "karim", lang)
    page.goto(f"{server}/cases/inbox/")
    alert = page.locator("ul.inbox li.unread a", has_text=report_number)
    assert alert.count() == 1, page.locator("ul.inbox").inner_text()
    shot(page, f"cases-{lang}-03-inbox")
    with page.expect_navigation():
        alert.click()
    assert report_number in page.locator("h1").inner_text()

    # 4. A seizure at Tanger Med, and its ten items entered in one batch.
    page.goto(f"{server}/cases/seizures/new/")
    page.fill("#id_seized_on", (today - timedelta(days=10)).isoformat())
    page.fill("#id_border_post", "Tanger Med")
    page.fill("#id_place", t["post"])
    page.fill("#id_carrier_reference", "MSC-TNG-88812")
    page.fill("#id_declared_description", t["declared"])
    page.fill("#id_observed_description", t["observed"])
    page.fill("#id_legal_basis", "Code des douanes, art. 281")
    page.select_option("#id_publish_sharing", "network")
    submit(page)
    seizure_number = page.locator("h1 bdi").inner_text()
    for i in range(1, 10):
        page.fill(f"#id_row-{i}-object_type", "coin")
        page.fill(f"#id_row-{i}-material", "silver")
        page.fill(f"#id_row-{i}-count", "12")
        page.fill(f"#id_row-{i}-description", f"{t['item']} {i}")
    page.fill("#id_row-10-object_type", "oil lamp")
    page.fill("#id_row-10-material", "clay")
    page.fill("#id_row-10-count", "1")
    submit(page, "#batch button[type=submit]")
    no_errors(page)
    rows = page.locator("section.card table:not(.batch) tbody tr")
    assert rows.count() == 10
    lamp = f"MA-CUSTOMS-{seizure_number}-010"
    assert lamp in rows.nth(9).inner_text()
    submit(page, "form[action$='/publish/'] button")
    no_errors(page)
    shot(page, f"cases-{lang}-04-seizure")

    # 5. The oil lamp enters the depot (from the seizure's own "custody entry" link).
    with page.expect_navigation():
        rows.nth(9).locator("a[href*='/custody/entries/new/']").click()
    assert page.input_value("#id_object") == lamp
    page.fill("#id_at", local_time(9))
    page.select_option("#id_reason", "seizure")
    options = page.locator("#id_location option").all_inner_texts()
    page.select_option("#id_location", label=next(o for o in options if "B1/R2/S3" in o))
    page.fill("#id_depositor", "Brigade de Tanger Med")
    submit(page)
    no_errors(page)
    assert "/custody/objects/" in page.url
    assert "B1/R2/S3" in page.locator("#whereabouts").inner_text()
    shot(page, f"cases-{lang}-05-entry")

    # 6. Two movements: to the strong cupboard, then to the vault.
    for n, (where, days_ago) in enumerate((("B1/R4/S1", 8), ("B2/V1", 7))):
        form = page.locator("#form-move")
        form.locator("[name=at]").fill(local_time(days_ago))
        form.locator("[name=moved_by]").fill(t["mover"])
        form.locator("[name=reason]").fill(t["why"][n])
        form.locator("[name=authorised_by]").fill("Commissaire Bennani")
        options = form.locator("[name=to_location] option").all_inner_texts()
        form.locator("[name=to_location]").select_option(label=next(o for o in options if where in o))
        submit(page, "#form-move button[type=submit]")
        no_errors(page)
        assert where in page.locator("#whereabouts").inner_text()
    assert page.locator("#chain li").count() == 3
    shot(page, f"cases-{lang}-06-movements")

    # 7. A condition check with a photo of the crack.
    form = page.locator("#form-condition")
    form.locator("[name=at]").fill(local_time(6))
    form.locator("[name=grade]").select_option("fair")
    form.locator("[name=checked_by]").fill(t["checker"])
    form.locator("[name=note]").fill(t["note"])
    form.locator("[name=next_check_due]").fill((today + timedelta(days=180)).isoformat())
    photo = io.BytesIO()
    Image.open(COFFEE).crop((100, 50, 500, 350)).save(photo, "JPEG")
    form.locator("[name=photos]").set_input_files(files=[{"name": "bec.jpg", "mimeType": "image/jpeg",
                                                           "buffer": photo.getvalue()}])
    submit(page, "#form-condition button[type=submit]")
    no_errors(page)
    assert page.locator("#chain li").count() == 4
    assert t["note"] in page.locator("#chain").inner_text() or t["checker"] in page.locator("#chain").inner_text()
    shot(page, f"cases-{lang}-07-condition")

    # 8. Egypt asks for the lamp back: Moroccan customs, the holding agency, open the restitution case.
    page.goto(f"{server}/cases/restitution/new/")
    assert page.input_value("#id_holding_agency") == "ma-customs"
    page.fill("#id_requesting_country", "EG")
    page.select_option("#id_legal_basis", "unesco_1970")
    page.fill("#id_opened_on", (today - timedelta(days=3)).isoformat())
    page.fill("#id_objects", lamp)
    page.fill("#id_summary", t["observed"])
    submit(page)
    no_errors(page)
    assert "/cases/restitution/" in page.url
    opened_state = page.locator("#restitution-state").inner_text()
    shot(page, f"cases-{lang}-08-restitution")

    # 9. The handover to the Egyptian museum closes the case and takes the lamp out of custody.
    form = page.locator("#handover form")
    form.locator("[name=on_date]").fill((today - timedelta(days=1)).isoformat())  # no "future" at midnight
    form.locator("[name=receiving_institution]").fill(t["museum"])
    form.locator("[name=received_by]").fill("Dr. Fatma Hassan")
    form.locator("[name=handed_by]").fill("Commissaire Bennani")
    form.locator("[name=place]").fill(t["post"])
    submit(page, "#handover button[type=submit]")
    no_errors(page)
    assert t["museum"] in page.locator("#handover").inner_text()
    assert page.locator("#restitution-state").inner_text() != opened_state
    shot(page, f"cases-{lang}-09-handover")
    page.goto(f"{server}/custody/objects/{lamp}/")
    assert page.locator("#chain li").count() == 5  # entry, two movements, condition, exit
    assert page.locator("#form-move").count() == 0  # nothing more to record once it has left
    ma_context.close()


def test_check_an_object_with_a_photo(server, browser):
    context, page = as_user(browser, server, "karim", "fr")
    page.goto(f"{server}/check/")
    photo = io.BytesIO()
    Image.open(COFFEE).crop((60, 20, 560, 380)).rotate(4, expand=False).save(photo, "JPEG", quality=85)
    page.locator("[name=photos]").set_input_files(files=[{"name": "saisie.jpg", "mimeType": "image/jpeg",
                                                          "buffer": photo.getvalue()}])
    submit(page, "form.check-form button[type=submit]")
    first = page.locator("ol.candidates li.candidate").first
    assert "EG-MOA-2026-0200" in first.locator("h3").inner_text()
    # The register photo sits in an SVG <image> with the matched region outlined over it.
    assert first.locator("figure.matched svg polygon.region").count() == 2  # the officer's photo and the register's
    loaded_width = page.evaluate("""() => new Promise(done => {
        const img = new Image();
        img.onload = () => done(img.naturalWidth);
        img.onerror = () => done(0);
        img.src = document.querySelector('figure.matched svg image').getAttribute('href');
    })""")
    assert loaded_width > 0
    shot(page, "check-fr-result")
    context.close()


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_case_pages_are_in_the_chosen_language(server, browser, lang):
    """The chain above runs with the interface switched to Arabic or French; its own words must follow."""
    context, page = as_user(browser, server, "karim", lang)
    english = {"/cases/": "Cases", "/cases/inbox/": "Alerts inbox", "/custody/": "Custody", "/check/": "Check an object"}
    untranslated = []
    for path, words in english.items():
        page.goto(f"{server}{path}")
        if words in page.locator("h1").inner_text() or page.locator("#main-nav a", has_text=words).count():
            untranslated.append(f"{path}: {words!r}")
    context.close()
    assert not untranslated, untranslated


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_report_on_a_phone_with_the_map_a_proposed_number_and_a_photo(server, browser, lang):
    """Issue 14.6 in a browser on a phone: tap the place on the map (a Point with decimal points in any
    language), keep the proposed record number of the new object, add its photograph, save."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    page = sign_in(context, server, "nadia")
    switch_language(page, lang)
    page.goto(f"{server}/cases/reports/new/")
    number = page.input_value("[name=new_object_number]")
    assert number.startswith("EG-MOA-") and number[-4:].isdigit()
    page.wait_for_selector("#draw-map .leaflet-outline-pane path", state="attached")
    page.locator("#draw-map").scroll_into_view_if_needed()
    box = page.locator("#draw-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.click("[data-draw=close]")
    geometry = page.input_value("[name=geometry]")
    assert '"type":"Point"' in geometry and re.search(r"\[-?\d+\.\d+,-?\d+\.\d+\]", geometry), geometry
    page.fill("[name=occurred_on]", (datetime.now() - timedelta(days=2)).strftime("%Y-%m-%d"))
    page.fill("[name=place]", "مخزن المتحف، الأقصر" if lang == "ar" else "Réserve du musée, Louxor")
    page.fill("[name=new_object_type]", "oil lamp")
    page.fill("[name=new_object_title]", "مسرجة فخارية" if lang == "ar" else "Lampe à huile en terre cuite")
    photo = io.BytesIO()
    Image.open(COFFEE).crop((60, 20, 560, 380)).save(photo, "JPEG", quality=85)
    page.locator("[name=photos]").set_input_files(files=[{"name": "lampe.jpg", "mimeType": "image/jpeg",
                                                          "buffer": photo.getvalue()}])
    shot(page, f"cases-{lang}-report-form-phone")
    submit(page)
    no_errors(page)
    page.goto(f"{server}/objects/{number}/")
    assert page.locator("#main img[loading=lazy]").count() >= 1
    context.close()


@pytest.fixture(scope="module", autouse=True)
def walkthrough_images():
    """With TURATH_UPDATE_WALKTHROUGH=1, copy the README's screenshots after the module's tests,
    shrunk to stay small in git (off by default, so that `make test` does not rewrite tracked files)."""
    yield
    if os.environ.get("TURATH_UPDATE_WALKTHROUGH") != "1":
        return
    WALKTHROUGH.mkdir(parents=True, exist_ok=True)
    for source, target in WALKTHROUGH_SHOTS.items():
        path = SHOTS / f"{source}.png"
        if not path.exists():
            continue
        image = Image.open(path).convert("RGB")
        image.thumbnail((900, 1400))
        image = image.quantize(colors=128, method=Image.Quantize.MEDIANCUT)
        image.save(WALKTHROUGH / target, optimize=True)
