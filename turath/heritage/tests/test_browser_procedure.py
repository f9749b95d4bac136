"""The whole nomination procedure in Debian's Chromium, once in Arabic and once in French: a real
`turath serve` on its own temporary database, each actor in their own browser, every step through
the web UI — preliminary list → file with sections and attachments → submission by the national
commission → evaluator (no conflict of interest) → report → recommendation → committee decision
«inscribe» → inscription → the list in danger → the public lists. Screenshots go to
test-artifacts/screenshots/heritage-<lang>-<nn>-<step>.png.

The clock: the services take "today" from timezone.localdate() and the views pass no date, so the
test cannot move time. The yearly calendar is configuration (CalendarDeadline rows), so the setup
configures a compressed training calendar in which every deadline falls on 31 December and the
session opens on 1 January: on any day of the year the file can be entered, submitted, evaluated
and decided in the same session year, with the calendar checks still running on every step.
"""

import re

import pytest

from turath.core.tests.browser import BROWSER, SHOTS, served

PASSWORD = "heritage-Browser-2026"

pytestmark = BROWSER

# Made through the real services: Egypt's heritage ministry (an editor and the national commission's
# administrator), Morocco's ministry (the evaluator), the secretariat, and one Egyptian place per language run.
FIXTURE = r"""
import json
from turath.core.context import acting_as
from turath.core.models import Agency, User
from turath.heritage.models import CalendarDeadline
from turath.heritage.services import create_place

def square(lon, lat, half):
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half], [lon - half, lat + half],
            [lon - half, lat - half]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})

eg = Agency.objects.create(code="eg-heritage", kind="ministry", country="EG", name_en="Supreme Council of Antiquities",
                           name_fr="Conseil suprême des antiquités", name_ar="المجلس الأعلى للآثار")
ma = Agency.objects.create(code="ma-heritage", kind="ministry", country="MA", name_en="Moroccan Ministry of Culture",
                           name_fr="Ministère de la Culture du Maroc", name_ar="وزارة الثقافة المغربية")
sec = Agency.objects.create(code="secretariat", kind="secretariat", country="TN", name_en="Secretariat",
                            name_fr="Secrétariat", name_ar="الأمانة العامة")
salma = User.objects.create_user("salma", password=PASSWORD, agency=eg, role="editor",
                                 first_name="سلمى", last_name="عبد الرحمن")
User.objects.create_user("karim", password=PASSWORD, agency=eg, role="agency_admin", first_name="كريم")
User.objects.create_user("amal", password=PASSWORD, agency=sec, role="secretariat_admin", first_name="Amal")
User.objects.create_user("rachid", password=PASSWORD, agency=ma, role="editor", first_name="Rachid",
                         last_name="Benali")
# The compressed training calendar (see the module's docstring).
for key, month, day, label in (("preliminary_list", 12, 31, "Preliminary list entries (training cycle)"),
                               ("applications", 12, 31, "Nomination files due (training cycle)"),
                               ("evaluation_end", 12, 31, "End of evaluation (training cycle)"),
                               ("documents", 12, 31, "Documents sent to members (training cycle)"),
                               ("session_start", 1, 1, "Committee session opens (training cycle)"),
                               ("session_end", 12, 31, "Committee session closes (training cycle)"),
                               ("notification", 12, 31, "Decisions notified (training cycle)")):
    CalendarDeadline.objects.create(key=key, month=month, day=day, label_en=label)
places = [
    dict(name_ar="مدينة رشيد التاريخية", name_en="Historic Rosetta", name_fr="Rosette historique",
         lon=30.4167, lat=31.4044),
    dict(name_ar="واحة سيوة وقلعة شالي", name_en="Siwa Oasis and the Shali fortress",
         name_fr="Oasis de Siwa et forteresse de Shali", lon=25.5195, lat=29.2032),
]
with acting_as(salma, via="test"):
    for p in places:
        create_place(salma, dict(p, category="cultural", states=["EG"], sharing="public",
                                 boundary=square(p["lon"], p["lat"], 0.01),
                                 description={"lang": "ar", "text": "مدينة إسلامية بعمارة عثمانية",
                                              "tr": {"fr": {"text": "Ville islamique à l'architecture ottomane",
                                                            "machine": False}}},
                                 criteria_justification={
                                     "(iii)": {"lang": "ar", "text": "شهادة استثنائية على التجارة النيلية"},
                                     "(iv)": {"lang": "fr", "text": "Ensemble exceptionnel de maisons ottomanes"}}))
print("fixture ready")
""".replace("PASSWORD", repr(PASSWORD))

# What each run types, in its own language.
TEXT = {
    "ar": {
        "place": "مدينة رشيد التاريخية",
        "section": "نص القسم «{key}» من ملف الترشيح: بيوت عثمانية من الطوب المنجور على ضفة النيل.",
        "report": "تقرير التقييم: القيمة الاستثنائية مثبتة والحماية القانونية كافية.",
        "recommendation": "توصي الأمانة بالإدراج على أساس المعيارين (iii) و(iv).",
        "decision": "قررت اللجنة إدراج مدينة رشيد التاريخية في القائمة.",
        "threats": "فيضان النيل وارتفاع منسوب المياه الجوفية",
        "measures": "خطة عاجلة لتصريف المياه وتدعيم الأساسات",
    },
    "fr": {
        "place": "Oasis de Siwa et forteresse de Shali",
        "section": "Texte de la section « {key} » : ksar de toub sur un rocher, au cœur de l'oasis.",
        "report": "Rapport d'évaluation : la valeur exceptionnelle est démontrée, la protection est suffisante.",
        "recommendation": "Le secrétariat recommande l'inscription sur la base des critères (iii) et (iv).",
        "decision": "Le Comité décide d'inscrire l'oasis de Siwa et la forteresse de Shali sur la Liste.",
        "threats": "Pluies torrentielles et effondrement des murs de toub (karshif)",
        "measures": "Consolidation d'urgence des murs et drainage",
    },
}
DECISION_CODE = {"ar": "COM 14.B.3", "fr": "COM 14.B.4"}


@pytest.fixture(scope="module")
def server():
    with served(FIXTURE, "turath-heritage-browser-") as instance:
        yield instance.base


class Procedure:
    """One language run: a browser context per person, screenshots numbered in order."""

    def __init__(self, browser, base, lang):
        self.browser, self.base, self.lang, self.step = browser, base, lang, 0
        self.contexts, self.pages = [], {}

    def shot(self, page, name):
        self.step += 1
        page.screenshot(path=str(SHOTS / f"heritage-{self.lang}-{self.step:02d}-{name}.png"), full_page=True)

    def as_user(self, username):
        """The person's page, signed in and switched to the run's language with the site's language switch."""
        if username in self.pages:
            return self.pages[username]
        context = self.browser.new_context(viewport={"width": 1280, "height": 900})
        self.contexts.append(context)
        page = context.new_page()
        if username:
            page.goto(f"{self.base}/accounts/login/?next=/heritage/nominations/")
            page.fill("#id_username", username)
            page.fill("#id_password", PASSWORD)
            page.click("#main form button[type=submit]")
            page.wait_for_url(f"{self.base}/heritage/nominations/")
        else:
            page.goto(f"{self.base}/heritage/")
        page.click(f".lang-switch button[value={self.lang}]")
        page.wait_for_load_state("load")
        html = page.locator("html")
        assert html.get_attribute("lang") == self.lang
        assert html.get_attribute("dir") == ("rtl" if self.lang == "ar" else "ltr")
        self.pages[username] = page
        return page

    def close(self):
        for context in self.contexts:
            context.close()


def submit(page, button):
    """Click a form's button, wait for the redirect back, and fail with the page's own error messages."""
    page.click(button)
    page.wait_for_load_state("load")
    errors = page.locator(".msg-error").all_inner_texts()
    assert not errors, errors


def state_of(page) -> str:
    badge = page.locator("dl.facts .badge").get_attribute("class")
    return re.search(r"state-(\w+)", badge).group(1)


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_nomination_to_inscription_then_list_in_danger(server, browser, lang):
    text = TEXT[lang]
    run = Procedure(browser, server, lang)
    try:
        # 1. The heritage ministry enters its place on the preliminary list, proposing criteria (iii) and (iv).
        salma = run.as_user("salma")
        form = salma.locator("#preliminary-organization")
        form.locator("select[name=place]").select_option(label=text["place"])
        form.locator("input[name=criteria][value='(iii)']").check()
        form.locator("input[name=criteria][value='(iv)']").check()
        run.shot(salma, "preliminary-entry-form")
        submit(salma, "#preliminary-organization button[type=submit]")
        assert re.search(r"/heritage/nominations/\d+/$", salma.url)
        file_url = salma.url
        assert state_of(salma) == "preliminary"
        assert text["place"] in salma.locator("h1").inner_text()
        assert salma.locator("dl.facts dd[dir=ltr]", has_text="(iii)").count() == 1
        run.shot(salma, "on-preliminary-list")

        # 2. The file is started; the completeness check lists every missing section and attachment.
        submit(salma, "button[value=start_file]")
        assert state_of(salma) == "draft"
        missing = salma.locator(".missing li").evaluate_all("items => items.map(i => i.dataset.code)")
        assert "section:identification" in missing and "section:contact" in missing
        assert {"attachment:maps", "attachment:photographs", "attachment:legal_protection",
                "attachment:management_plan"} <= set(missing)
        assert not any(code.startswith(("justification:", "criteria", "location", "boundary")) for code in missing)
        assert salma.locator("time#next-deadline").count() == 1  # the file's next deadline is shown
        # The editor may prepare the file but not submit it: that is the national commission's act.
        assert salma.locator("button[value=submit]").count() == 0
        run.shot(salma, "file-started-missing-items")

        # 3. The sections are written; only the attachments remain missing.
        for area in salma.locator("textarea[name^=section_]").all():
            key = area.get_attribute("name").removeprefix("section_")
            area.fill(text["section"].format(key=key))
        submit(salma, "form:has(input[value=edit_sections]) button[type=submit]")
        missing = salma.locator(".missing li").evaluate_all("items => items.map(i => i.dataset.code)")
        assert missing == ["attachment:maps", "attachment:photographs", "attachment:legal_protection",
                           "attachment:management_plan"], missing
        run.shot(salma, "sections-written")

        # 4. The four required documents are uploaded; the file is complete.
        for kind, name, mime in (("maps", "boundary-map.pdf", "application/pdf"),
                                 ("photographs", "photos.jpg", "image/jpeg"),
                                 ("legal_protection", "law-117-1983.pdf", "application/pdf"),
                                 ("management_plan", "management-plan.pdf", "application/pdf")):
            salma.select_option("#attach-form select[name=kind]", kind)
            salma.fill("#attach-form input[name=title]", name)
            salma.set_input_files("#attach-form input[type=file]",
                                  {"name": name, "mimeType": mime, "buffer": f"%PDF-1.4 {kind}".encode()})
            submit(salma, "#attach-form button[type=submit]")
        assert salma.locator(".missing").count() == 0
        assert salma.locator(".attachments li").count() == 4
        run.shot(salma, "file-complete")

        # 5. The national commission (the agency's administrator) submits it.
        karim = run.as_user("karim")
        karim.goto(file_url)
        submit(karim, "button[value=submit]")
        assert state_of(karim) == "submitted"
        run.shot(karim, "submitted-by-national-commission")

        # 6. The secretariat assigns an evaluator from another state; it cannot start the evaluation before the
        # evaluator has declared freedom from conflicts of interest.
        amal = run.as_user("amal")
        amal.goto(file_url)
        amal.fill("input[name=evaluator]", "rachid")
        submit(amal, "form:has(input[value=assign]) button[type=submit]")
        amal.click("button[value=start_evaluation]")
        amal.wait_for_load_state("load")
        assert amal.locator(".msg-error").count() == 1 and state_of(amal) == "submitted"
        run.shot(amal, "evaluator-assigned")

        # 7. The evaluator declares no conflict of interest.
        rachid = run.as_user("rachid")
        rachid.goto(file_url)
        rachid.check("input[name=has_conflict][value='0']")
        submit(rachid, "form:has(input[value=declare]) button[type=submit]")
        assert rachid.locator("input[name=has_conflict]").count() == 0
        run.shot(rachid, "no-conflict-declared")

        # 8. The secretariat starts the evaluation; the evaluator files the report.
        amal.goto(file_url)
        submit(amal, "button[value=start_evaluation]")
        assert state_of(amal) == "evaluation"
        rachid.goto(file_url)
        rachid.fill("form:has(input[value=report]) textarea[name=text]", text["report"])
        rachid.select_option("form:has(input[value=report]) select[name=recommendation]", "inscribe")
        submit(rachid, "form:has(input[value=report]) button[type=submit]")
        assert text["report"] in rachid.content()
        run.shot(rachid, "evaluation-report")

        # 9. The secretariat issues its recommendation.
        amal.goto(file_url)
        amal.select_option("form:has(input[value=recommend]) select[name=recommendation]", "inscribe")
        amal.fill("form:has(input[value=recommend]) textarea[name=text]", text["recommendation"])
        submit(amal, "button[value=recommend]")
        assert state_of(amal) == "recommended"
        run.shot(amal, "recommended")

        # 10. The committee's decision «inscribe», with its code and text, recorded by the secretariat administrator.
        amal.select_option("form:has(input[value=decide]) select[name=decision]", "inscribe")
        amal.fill("form:has(input[value=decide]) input[name=code]", DECISION_CODE[lang])
        amal.fill("form:has(input[value=decide]) textarea[name=text]", text["decision"])
        submit(amal, "button[value=decide]")
        assert state_of(amal) == "inscribed"
        facts = amal.locator("dl.facts").inner_text()
        assert DECISION_CODE[lang] in facts and text["decision"] in facts
        history = amal.locator("section:last-of-type ol").inner_text()
        # Each step named in the page's language, never by its code (issue 14.9).
        steps = {"ar": ("بدء إعداد ملف الترشيح", "بدء التقييم", "سُجّل قرار اللجنة"),
                 "fr": ("Dossier de proposition ouvert", "Évaluation commencée", "Décision du Comité enregistrée")}
        for step in steps[lang]:
            assert step in history
        for code in ("start_file", "start_evaluation", "recommend", "decide", "_"):
            assert code not in history
        run.shot(amal, "decision-inscribe")

        # 11. The place now stands on the final list; the secretariat enters it on the list in danger.
        public = run.as_user("")
        public.goto(f"{server}/heritage/list/organization/")
        link = public.locator("a", has_text=text["place"])
        assert link.count() == 1
        place_url = server + link.get_attribute("href")
        public.goto(place_url)
        assert DECISION_CODE[lang] in public.content()
        assert public.locator("#danger-form").count() == 0  # nobody but the secretariat may do this
        amal.goto(place_url)
        amal.fill("#danger-form textarea[name=threats]", text["threats"])
        amal.fill("#danger-form textarea[name=corrective_measures]", text["measures"])
        submit(amal, "#danger-form button[type=submit]")
        assert amal.locator(".badge.danger").count() == 1
        assert text["threats"] in amal.content()
        assert amal.locator("#danger-form").count() == 0
        run.shot(amal, "entered-on-list-in-danger")

        # 12. The public pages, in the run's language: the final list, the place, the list in danger.
        public.goto(f"{server}/heritage/list/organization/")
        assert public.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
        assert public.locator("a", has_text=text["place"]).count() == 1
        run.shot(public, "public-final-list")
        public.goto(place_url)
        assert public.locator(".badge.danger").count() == 1
        assert DECISION_CODE[lang] in public.content()
        run.shot(public, "public-place")
        public.goto(f"{server}/heritage/danger/")
        assert public.locator("a", has_text=text["place"]).count() == 1
        run.shot(public, "public-list-in-danger")
        # It left the preliminary list's count: inscription replaced the preliminary entry.
        public.goto(f"{server}/heritage/list/organization/?status=preliminary")
        assert public.locator("a", has_text=text["place"]).count() == 0
    finally:
        run.close()


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_place_map_shows_the_place_above_the_outline(server, browser, lang):
    """The place page's map was blank: the offline outline, loaded after the marker, covered it. The marker must
    be drawn above the land, and the map is a region (it holds the zoom buttons), not an image."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale=lang,
                                  extra_http_headers={"Accept-Language": lang})
    try:
        page = context.new_page()
        # The fixture's first place (a fresh database: id 1), Rosetta.
        page.goto(f"{server}/heritage/place/1/")
        assert "Rosetta" in page.content() or "رشيد" in page.content()
        page.wait_for_selector(".leaflet-outline-pane path", state="attached", timeout=15000)
        page.locator("#heritage-map").scroll_into_view_if_needed()
        assert page.locator(".leaflet-overlay-pane path.leaflet-interactive").count(), "no marker drawn"
        # What is drawn at the marker's centre is the marker, not the outline's land. Measured and hit-tested
        # in one step, once the map has settled with the marker in view (under load Leaflet may still be
        # fitting the view when the page first reports the marker).
        pane_at_marker = """() => {
            const m = document.querySelector('.leaflet-overlay-pane path.leaflet-interactive');
            const r = m && m.getBoundingClientRect();
            if (!r || !r.width) return null;
            const x = r.left + r.width / 2, y = r.top + r.height / 2;
            if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) return null;
            const pane = document.elementFromPoint(x, y)?.closest('.leaflet-pane');
            return pane ? pane.className : null;
        }"""
        page.wait_for_function(pane_at_marker, timeout=15000)
        top = page.evaluate(pane_at_marker)
        assert "leaflet-overlay-pane" in top, top
        assert page.locator("#heritage-map").get_attribute("role") == "region"
        page.screenshot(path=str(SHOTS / f"heritage-{lang}-place-map-phone.png"), full_page=True)
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_an_editor_draws_a_boundary_on_a_phone_and_the_secretariat_finds_it_at_risk(server, browser, lang):
    """The place form's map: taps place the corners, «close» writes the polygon (decimal points in any language)
    and the centre; the place is recorded; the secretariat draws an area around it on the risk page."""
    run = Procedure(browser, server, lang)
    try:
        context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
        run.contexts.append(context)
        page = context.new_page()
        page.goto(f"{server}/accounts/login/?next=/heritage/place/new/")
        page.fill("#id_username", "salma")
        page.fill("#id_password", PASSWORD)
        page.click("#main form button[type=submit]")
        page.wait_for_url(f"{server}/heritage/place/new/")
        page.click(f".lang-switch button[value={lang}]")
        page.wait_for_selector("#draw-map .leaflet-outline-pane path", state="attached")
        page.locator("#draw-map").scroll_into_view_if_needed()
        box = page.locator("#draw-map").bounding_box()
        for dx, dy in ((0.4, 0.4), (0.6, 0.4), (0.6, 0.6), (0.4, 0.6)):
            page.mouse.click(box["x"] + box["width"] * dx, box["y"] + box["height"] * dy)
        page.click("[data-draw=close]")
        boundary = page.input_value("#id_boundary")
        assert '"type":"Polygon"' in boundary and "," in boundary and re.search(r"\d\.\d", boundary)
        assert re.fullmatch(r"-?\d+\.\d+", page.input_value("#id_lon"))
        name = "موقع مرسوم على الهاتف" if lang == "ar" else "Lieu dessiné sur le téléphone"
        page.fill("#id_name_ar" if lang == "ar" else "#id_name_fr", name)
        run.shot(page, "place-drawn-phone")
        page.click("#place-form button[type=submit]")
        page.wait_for_selector("h1")
        assert name in page.locator("h1").inner_text()
        place_url = page.url
        # The secretariat draws a wide area around the same spot and finds the new place in it.
        sec = run.as_user("amal")
        sec.goto(f"{server}/heritage/risk/")
        sec.wait_for_selector("#draw-map .leaflet-outline-pane path", state="attached")
        sec.locator("#draw-map").scroll_into_view_if_needed()
        box = sec.locator("#draw-map").bounding_box()
        for dx, dy in ((0.1, 0.1), (0.9, 0.1), (0.9, 0.9), (0.1, 0.9)):
            sec.mouse.click(box["x"] + box["width"] * dx, box["y"] + box["height"] * dy)
        sec.click("[data-draw=close]")
        sec.check("input[name=unlisted]")  # the new place is on no list yet
        sec.click("#risk-form button[value=query]")
        sec.wait_for_selector("#risk-results")
        assert name in sec.locator("#risk-results").inner_text()
        assert sec.locator(f"#risk-results a[href='{place_url.replace(server, '')}']").count() == 1
        run.shot(sec, "risk-area")
    finally:
        run.close()
