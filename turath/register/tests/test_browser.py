"""End to end in Debian's Chromium: a real `turath serve` on its own temporary database, driven
with Playwright. Screenshots of each step go to test-artifacts/screenshots/."""

import pytest

from turath.core.tests.browser import BROWSER, SHOTS, served

PASSWORD = "browser-Test-2026"

pytestmark = BROWSER

# Made through the real services, like any agency's data: two agencies, an editor, a few records.
FIXTURE = r"""
import io
from PIL import Image
from turath.core.context import acting_as
from turath.core.models import Agency, User
from turath.register import services
from turath.register.images import add_image

eg = Agency.objects.create(code="eg-customs", kind="customs", country="EG", name_en="Egyptian Customs Authority",
                           name_fr="Douanes égyptiennes", name_ar="مصلحة الجمارك المصرية")
ma = Agency.objects.create(code="ma-police", kind="police", country="MA", name_en="Moroccan National Police",
                           name_fr="Sûreté nationale du Maroc", name_ar="المديرية العامة للأمن الوطني")
editor = User.objects.create_user("amina", password=PASSWORD, agency=eg, role="editor",
                                  first_name="أمينة", last_name="حسن")
User.objects.create_user("youssef", password=PASSWORD, agency=ma, role="editor")
records = [
    dict(record_number="EG-CUS-2026-0001", object_type="manuscript", language="ar", sharing="network",
         title="مخطوط مملوكي مذهب من القاهرة", description="ورقة من مصحف بخط الثلث مع تذهيب",
         materials="paper; gold", techniques="gilding", date="656 AH", period="Mamluk", origin_country="EG",
         measurements="height=32 cm; width=24.5 cm", status="reported_stolen"),
    dict(record_number="EG-CUS-2026-0002", object_type="manuscript", language="fr", sharing="members",
         title="Manuscrit ottoman enluminé", materials="paper", period="Ottoman", origin_country="EG"),
    dict(record_number="EG-CUS-2026-0003", object_type="dinar", language="en", sharing="agency",
         title="Gold dinar of al-Mustansir", materials="gold", period="Fatimid", origin_country="EG",
         status="seized"),
    dict(record_number="EG-CUS-2026-0004", object_type="astrolabe", language="en", sharing="public",
         title="Brass astrolabe signed by Muhammad ibn Ahmad", materials="copper alloy", techniques="engraving",
         date="1250", origin_country="SY"),
]
with acting_as(editor, via="test"):
    objs = [services.create_object(editor, r) for r in records]
    for i, color in enumerate([(170, 120, 60), (60, 90, 150)]):
        out = io.BytesIO()
        Image.new("RGB", (480, 360), color).save(out, "JPEG")
        add_image(editor, objs[i], out.getvalue(), f"photo{i}.jpg")
print("fixture ready")
""".replace("PASSWORD", repr(PASSWORD))


@pytest.fixture(scope="module")
def server():
    with served(FIXTURE, "turath-browser-") as instance:
        yield instance.base


def sign_in(context, base, username="amina"):
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#main form button[type=submit]")
    page.wait_for_url(f"{base}/objects/")
    return page


def switch_language(page, code):
    page.click(f".lang-switch button[value={code}]")
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == code


def shot(page, name):
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def desktop(server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = sign_in(context, server)
    yield page
    context.close()


def test_sign_in_then_arabic_mirrors_the_layout(server, desktop):
    page = desktop
    assert "EG-CUS-2026-0001" in page.content()
    shot(page, "01-signed-in-en")
    nav_en = page.locator("#main-nav").bounding_box()
    logo_en = page.locator(".logo").bounding_box()
    assert logo_en["x"] < nav_en["x"] < 640  # left to right: logo, then the navigation, on the left
    switch_language(page, "ar")
    assert page.url == f"{server}/objects/"
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("#main-nav a").first.inner_text() == "السجل"
    nav_ar = page.locator("#main-nav").bounding_box()
    logo_ar = page.locator(".logo").bounding_box()
    width = page.viewport_size["width"]
    assert logo_ar["x"] + logo_ar["width"] > width - 40  # the logo sits at the right edge
    assert nav_ar["x"] + nav_ar["width"] > width / 2 and nav_ar["x"] < logo_ar["x"]  # the nav follows it leftwards
    # The facets column is on the right of the results in Arabic.
    facets = page.locator("aside.facets").bounding_box()
    results = page.locator("section.results").bounding_box()
    assert facets["x"] > results["x"]
    shot(page, "02-arabic-register")


def test_search_in_arabic_with_a_facet_and_open_an_object(server, desktop):
    page = desktop
    page.goto(f"{server}/objects/")
    switch_language(page, "ar")
    page.fill("#id_q", "مخطوط")
    page.click(".searchbar button[type=submit]")
    page.wait_for_load_state("load")
    text = page.locator("section.results").inner_text()
    assert "EG-CUS-2026-0001" in text and "EG-CUS-2026-0002" in text and "EG-CUS-2026-0003" not in text
    # Tick the "Mamluk" period facet: the page reloads with the filter in the URL.
    page.locator("#facet-period label", has_text="المملوك").first.locator("input").check()
    page.wait_for_url("**period=*")
    assert "q=%D9%85%D8%AE%D8%B7%D9%88%D8%B7" in page.url
    text = page.locator("section.results").inner_text()
    assert "EG-CUS-2026-0001" in text and "EG-CUS-2026-0002" not in text
    shot(page, "03-arabic-search-facet")
    page.click("ol.result-list h2 a")
    page.wait_for_url("**/objects/EG-CUS-2026-0001/")
    assert "مخطوط مملوكي مذهب من القاهرة" in page.locator("h1").inner_text()
    assert "هـ" in page.content() or "AH" in page.content()
    assert page.locator(".gallery img").count() == 1
    # The thumbnail really loaded through the permission-checked image view (it is loading="lazy": the
    # page's load event does not wait for it, so under load it could still be on its way).
    page.wait_for_function("document.querySelector('.gallery img').complete")
    assert page.evaluate("document.querySelector('.gallery img').naturalWidth") > 0
    shot(page, "04-arabic-object")


def test_create_with_a_validation_error_then_fix_then_edit(server, desktop):
    page = desktop
    page.goto(f"{server}/objects/new/")
    switch_language(page, "ar")
    page.fill("#id_record_number", "EG-CUS-2026-0099")
    page.fill("#id_title", "أسطرلاب نحاسي منقوش")
    page.fill("#id_materials", "نحاس مزيف غير معروف")
    page.fill("#id_measurements", "height=12 cm")
    page.click(".form-actions button[type=submit]")
    page.wait_for_load_state("load")
    assert page.locator("#errors-object_type").is_visible()
    assert page.locator("#errors-materials").is_visible()
    assert page.input_value("#id_title") == "أسطرلاب نحاسي منقوش"  # nothing typed is lost
    shot(page, "05-create-validation-error")
    page.select_option("#id_object_type", label="أسطرلاب")
    page.fill("#id_materials", "")
    page.click(".form-actions button[type=submit]")
    page.wait_for_url("**/objects/EG-CUS-2026-0099/")
    assert "أسطرلاب نحاسي منقوش" in page.locator("h1").inner_text()
    shot(page, "06-created")
    page.click(".object-head a.button")
    page.wait_for_url("**/objects/EG-CUS-2026-0099/edit/")
    page.fill("#id_maker", "محمد بن أحمد")
    page.click(".form-actions button[type=submit]")
    page.wait_for_url("**/objects/EG-CUS-2026-0099/")
    assert "محمد بن أحمد" in page.content()
    shot(page, "07-edited")


def test_french_search(server, desktop):
    page = desktop
    page.goto(f"{server}/objects/")
    switch_language(page, "fr")
    assert page.locator("html").get_attribute("dir") == "ltr"
    page.fill("#id_q", "manuscrit")
    page.click(".searchbar button[type=submit]")
    page.wait_for_load_state("load")
    text = page.locator("section.results").inner_text()
    assert "EG-CUS-2026-0001" in text and "EG-CUS-2026-0002" in text
    assert "2 fiches" in text
    # The Arabic title inside the French page keeps its own direction.
    assert page.locator("ol.result-list [lang=ar][dir=rtl]").count() >= 1
    shot(page, "08-french-search")


def test_other_agency_gets_404_for_an_agency_only_record(server, browser):
    context = browser.new_context()
    page = sign_in(context, server, "youssef")
    response = page.goto(f"{server}/objects/EG-CUS-2026-0003/")
    assert response.status == 404 and "Gold dinar" not in page.content()
    context.close()


def test_phone_layout_has_no_horizontal_scroll(server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    page = sign_in(context, server)
    switch_language(page, "ar")
    for name, path in (("09-phone-ar-register", "/objects/"), ("10-phone-ar-object", "/objects/EG-CUS-2026-0001/"),
                       ("11-phone-ar-form", "/objects/new/")):
        page.goto(f"{server}{path}")
        page.wait_for_load_state("load")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        shot(page, name)
    context.close()
