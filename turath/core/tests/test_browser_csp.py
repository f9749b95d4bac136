"""The Content-Security-Policy in Debian's Chromium: key pages (object, check with a result, heritage
map and place map, cases, dashboard, custody and its printable label) are served with the policy,
still work (Leaflet draws, photographs load) and the browser reports no violation of it.

A real `turath serve` runs on its own temporary database, filled through the services."""

import io
import json
from pathlib import Path

import pytest
from PIL import Image

from turath.core.tests.browser import BROWSER, SHOTS, served
from turath.register.tests.test_browser import PASSWORD, sign_in

pytestmark = BROWSER

COFFEE = Path(__import__("skimage").__file__).parent / "data" / "coffee.png"

FIXTURE = r"""
import json
from datetime import date, timedelta
from django.utils import timezone
from turath.cases import services as cases
from turath.core.context import acting_as
from turath.core.models import Agency, User
from turath.custody import services as custody
from turath.heritage.services import create_place
from turath.register import services
from turath.register.images import add_image

# One person drafts and validates here: this office has turned four-eyes validation off (its setting).
eg = Agency.objects.create(code="eg-moa", kind="ministry", country="EG", name_en="Ministry of Tourism and Antiquities",
                           name_fr="Ministère du Tourisme et des Antiquités", name_ar="وزارة السياحة والآثار",
                           four_eyes_validation=False)
ma = Agency.objects.create(code="ma-customs", kind="customs", country="MA", name_en="Moroccan Customs",
                           name_fr="Douanes marocaines", name_ar="الجمارك المغربية")
nadia = User.objects.create_user("nadia", password=PASSWORD, agency=eg, role="editor")
karim = User.objects.create_user("karim", password=PASSWORD, agency=ma, role="editor")
with acting_as(nadia, via="test"):
    cup = services.create_object(nadia, {"record_number": "EG-MOA-2026-0200", "object_type": "oil lamp",
                                         "language": "fr", "title": "Tasse en céramique", "materials": "clay",
                                         "origin_country": "EG", "sharing": "network"})
    add_image(nadia, cup, open(COFFEE, "rb").read(), "coffee.png")
    report = cases.create_report(nadia, {"kind": "theft", "occurred_on": (date.today() - timedelta(days=5)).isoformat(),
                                         "place": "Le Caire", "publish_sharing": "network"},
                                 objects=["EG-MOA-2026-0200"])
    cases.add_attachment(nadia, report, b"<html><script>alert(1)</script></html>", "evidence.html", kind="evidence")
    report = cases.submit_report(nadia, report)
    cases.validate_report(nadia, report)
    ring = [[30.40, 31.39], [30.43, 31.39], [30.43, 31.42], [30.40, 31.42], [30.40, 31.39]]
    place = create_place(nadia, {"name_en": "Historic Rosetta", "name_fr": "Rosette historique", "name_ar": "رشيد",
                                 "category": "cultural", "states": ["EG"], "sharing": "public", "lon": 30.4167,
                                 "lat": 31.4044, "boundary": json.dumps({"type": "Polygon", "coordinates": [ring]})})
with acting_as(karim, via="test"):
    seizure = cases.create_seizure(karim, {"seized_on": date.today().isoformat(), "place": "Tanger Med"})
    item = cases.add_items(karim, seizure, [{"object_type": "coin", "material": "silver", "count": 3}]).items[0]
    depot = custody.create_facility(karim, {"code": "tng", "name": "Dépôt de Tanger Med"})
    shelf = custody.add_location(karim, depot, "B1/R1", "Étagère")
    entry = custody.enter_object(karim, item.object, {"at": timezone.now().isoformat(), "location": shelf.pk})
print(json.dumps({"report": report.pk, "place": place.pk, "entry": entry.pk, "seizure": seizure.pk, "seized": item.object.record_number}))
""".replace("PASSWORD", repr(PASSWORD)).replace("COFFEE", repr(str(COFFEE)))


@pytest.fixture(scope="module")
def server():
    with served(FIXTURE, "turath-csp-", reindex=True, worker=False) as instance:
        yield instance.base, json.loads(instance.fixture_output.strip().splitlines()[-1])


# Collects the browser's own reports of what the policy refused (the event fires for each violation).
WATCH = """window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || "") + ":" + e.lineNumber);
});"""


class Watched:
    """A signed-in page whose CSP violations (console and events) and page errors are collected."""

    def __init__(self, browser, base, username):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.add_init_script(WATCH)
        self.problems: list[str] = []
        self.base = base
        self.page = sign_in(self.context, base, username)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.problems.append(f"{self.page.url}: page error {exc}"))

    def _console(self, msg):
        text = msg.text
        if "Content Security Policy" in text or "Refused to" in text:
            self.problems.append(f"{self.page.url}: {text}")

    def visit(self, path):
        response = self.page.goto(f"{self.base}{path}")
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "style-src 'self'" in policy, f"{path}: {policy!r}"
        self.page.wait_for_load_state("networkidle")
        self.collect()
        return self.page

    def collect(self):
        self.problems += [f"{self.page.url}: {v}" for v in self.page.evaluate("window.__csp || []")]

    def close(self):
        self.context.close()


def test_key_pages_work_under_the_csp_with_no_violation(server, browser):
    base, ids = server
    nadia = Watched(browser, base, "nadia")
    page = nadia.visit("/objects/EG-MOA-2026-0200/")
    assert page.evaluate("document.querySelector('.gallery img').naturalWidth") > 0
    page = nadia.visit("/heritage/map/")
    page.wait_for_selector("#heritage-map .leaflet-outline-pane path", state="attached")  # Leaflet drew the land
    assert page.locator("#heritage-map .leaflet-outline-pane path").count() > 50  # Leaflet drew the world outline
    assert page.locator("#heritage-map").bounding_box()["height"] > 300  # its height now comes from the CSS
    page = nadia.visit(f"/heritage/place/{ids['place']}/")
    page.wait_for_selector("#heritage-map path.leaflet-interactive")  # the place's marker
    assert page.locator("#heritage-map").bounding_box()["height"] > 200
    nadia.visit("/heritage/")
    nadia.visit("/cases/")
    page = nadia.visit(f"/cases/reports/{ids['report']}/")
    assert page.locator("#attachments a").count() == 1
    nadia.visit("/cases/dashboard/")
    page = nadia.visit("/check/")
    photo = io.BytesIO()
    Image.open(COFFEE).crop((60, 20, 560, 380)).save(photo, "JPEG", quality=85)
    page.locator("[name=photos]").set_input_files(files=[{"name": "saisie.jpg", "mimeType": "image/jpeg",
                                                          "buffer": photo.getvalue()}])
    with page.expect_navigation():
        page.click("form.check-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("ol.candidates li.candidate").count() >= 1
    nadia.collect()
    page.screenshot(path=str(SHOTS / "csp-check-result.png"), full_page=True)
    nadia.close()

    karim = Watched(browser, base, "karim")
    for path in ("/cases/inbox/", "/custody/", f"/custody/objects/{ids['seized']}/",
                 f"/cases/seizures/{ids['seizure']}/"):
        karim.visit(path)
    page = karim.visit(f"/custody/entries/{ids['entry']}/label/")
    assert page.locator(".label").evaluate("el => getComputedStyle(el).borderTopStyle") == "solid"  # label.css applied
    assert page.locator("#print-label").count() == 1
    karim.close()
    assert nadia.problems + karim.problems == []
