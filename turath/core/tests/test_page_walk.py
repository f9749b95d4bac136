"""Walk every page a user can reach by following links, in Arabic and in French, and fail on the tell-tale
signs of an unfinished translation or broken right-to-left text:

- a text that is exactly an English message of the catalogue (an untranslated label, heading or button);
- a raw code in the visible text (`enter_preliminary`, `reported_stolen`);
- a localised number inside SVG geometry or CSS (`points="568,5,245,4"`, `width: 12,5px`);
- on Arabic pages, a date, range or size of numbers (`2025-08-28`, `440×640`, `26.8 cm × 20.5 cm`)
  written by a template after Arabic text in the same paragraph without being isolated left-to-right:
  after Arabic letters the digits become Arabic numbers and the groups are shown in reverse order.

The pages are found by crawling from the home page as several users (anonymous, a heritage ministry, a
police editor, the secretariat), so new pages are covered without new test code. User text (inside
`dir="auto"` or `<bdi>`) is the author's own and is not judged.
"""

import io
import re
from collections import defaultdict
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

import turath

pytestmark = [pytest.mark.django_db]

MAX_PAGES = 70  # per user and language
MAX_QUERIES_PER_PATH = 2
MAX_PER_KIND = 3  # facet links: a couple of variants per page, not every combination
SKIP = re.compile(r"^/(static|media|admin|api|i18n)/|/logout|\.atom|\.geojson|/image/|/images/|/attachments?/|"
                  r"/label|/export|/download|\.(?:csv|json|jsonld|png|jpg|svg|pdf)(?:$|\?)")
ARABIC_LETTER = re.compile(r"[\u0620-\u064a\u0671-\u06d3\u06fa-\u06ff]")
SNAKE = re.compile(r"(?<![\w@./-])[a-z]{2,}(?:_[a-z]{2,})+(?![\w@/-])")
# Number groups whose order right-to-left text reverses unless they are isolated left-to-right.
RTL_FRAGILE = re.compile(r"\d+\s*[-/×]\s*\d+(?:\s*[-/×]\s*\d+)*|\d[\d.,]*\s*(?:cm|mm|m|kg|g|ha|km)\s*×"
                         r"|\[\s*-?\d+(?:\.\d+)?\s*,\s*-?\d")  # and coordinates written as JSON
BLOCKS = {"p", "div", "li", "dd", "dt", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
          "header", "footer", "nav", "main", "form", "ul", "ol", "dl", "table", "tr", "figure", "figcaption",
          "blockquote", "pre", "fieldset", "legend", "body", "html", "aside", "details", "summary", "caption"}
VOID = {"br", "img", "input", "meta", "link", "hr", "source", "area", "base", "col", "embed", "wbr", "track"}
HIDDEN = {"script", "style", "template", "code", "kbd", "samp", "textarea", "title"}
SVG_NUMBER_ATTRS = {"x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "rx", "ry", "width", "height", "stroke-width",
                    "font-size", "opacity", "offset"}


def catalogue(lang: str) -> dict[str, str]:
    """English message → its translation, from every .po file of the project."""
    out = {}
    root = Path(turath.__file__).parent
    for po in root.glob(f"**/locale/{lang}/LC_MESSAGES/django.po"):
        text = po.read_text(encoding="utf-8")
        for m in re.finditer(r'^msgid "((?:[^"\\]|\\.)*)"\nmsgstr "((?:[^"\\]|\\.)*)"$', text, re.M):
            msgid, msgstr = m.group(1), m.group(2)
            if msgid and msgstr:
                out[msgid.replace('\\"', '"')] = msgstr.replace('\\"', '"')
    return out


class Page(HTMLParser):
    """Text nodes with what matters for bidi: the block they belong to, whether they are inside user text,
    and the direction of the nearest element that sets one."""

    def __init__(self, page_lang: str = ""):
        super().__init__(convert_charrefs=True)
        self.page_lang = page_lang
        self.stack: list[tuple[str, dict]] = []
        self.nodes: list[dict] = []  # {"text", "block", "user", "dir", "isolated"}
        self.block_id = 0
        self.svg_numbers: list[str] = []
        self.styles: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if a.get("style"):
            self.styles.append(a["style"])
        if any(t == "svg" for t, _ in self.stack) or tag == "svg":
            for name in SVG_NUMBER_ATTRS & a.keys():
                self.svg_numbers.append(f"{tag} {name}={a[name]}")
            for name in ("points", "d", "viewBox", "transform"):
                if a.get(name) and re.search(r"\d,\d+,\d+,\d", a[name]):
                    self.svg_numbers.append(f"{tag} {name}={a[name][:60]}")
        if tag in VOID:
            return
        if tag in BLOCKS:
            self.block_id += 1
        self.stack.append((tag, a))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break
        if tag in BLOCKS:
            self.block_id += 1

    def handle_data(self, data):
        if not data.strip() or any(t in HIDDEN for t, _ in self.stack):
            return
        # User text, and text marked as another language (the language switch's «English», the logo's «Turath»).
        lang = next((a["lang"] for t, a in reversed(self.stack) if a.get("lang")), "")
        user = any(a.get("dir") == "auto" or (t == "bdi" and "dir" not in a) for t, a in self.stack) \
            or bool(lang and lang[:2] != self.page_lang)
        direction = next((a["dir"] for t, a in reversed(self.stack) if a.get("dir")), None)
        isolated = any(a.get("dir") == "ltr" for t, a in self.stack)
        self.nodes.append({"text": data, "block": self.block_id, "user": user, "dir": direction,
                           "isolated": isolated, "rtl_isolate": any(t == "bdi" or a.get("dir") for t, a in self.stack)})


def problems_of(html: str, lang: str, messages: dict, usernames: set) -> list[str]:
    page = Page(lang)
    page.feed(html)
    found = []
    for item in page.svg_numbers:
        if re.search(r"\d,\d", item.split("=", 1)[1]) and "points" not in item and " d=" not in item:
            found.append(f"localised number in SVG: {item}")
        elif "points" in item or " d=" in item or "viewBox" in item or "transform" in item:
            found.append(f"localised numbers in SVG: {item}")
    for style in page.styles:
        if re.search(r"\d,\d", re.sub(r"[a-z-]+\([^)]*\)", "", style)):  # colours and functions list with commas
            found.append(f"localised number in CSS: {style[:80]}")
    arabic_before = defaultdict(bool)  # block → Arabic text already seen outside isolates
    for node in page.nodes:
        text = " ".join(node["text"].split())
        if not node["user"]:
            bare = text.rstrip(":").strip()
            if bare in messages and messages[bare] != bare and len(bare) > 3 and re.search(r"[a-z]", bare):
                found.append(f"untranslated: «{bare}»")
            if lang == "ar" and bare in messages and messages[bare] == bare and " " in bare:
                found.append(f"English on an Arabic page (msgstr = msgid): «{bare}»")
            for token in SNAKE.findall(text):
                if token not in usernames:
                    found.append(f"raw code: «{token}» in «{text[:60]}»")
            if lang == "ar" and not node["isolated"]:
                # Text between LRI and PDI is isolated left-to-right; digits after a Latin letter stay European
                # («SZ-2026-00001» reads fine).
                plain = re.sub("\u2066[^\u2069]*\u2069", "X", text)
                for m in RTL_FRAGILE.finditer(plain):
                    if re.search(r"[A-Za-z][\w-]*$", plain[:m.start()]):
                        continue
                    if arabic_before[node["block"]] or ARABIC_LETTER.search(plain[:m.start()]):
                        found.append(f"numbers reversed by right-to-left text: «{text[:80]}»")
                        break
        if ARABIC_LETTER.search(text) and not node["rtl_isolate"]:
            arabic_before[node["block"]] = True
    return found


def jpeg(color) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def world(users, agencies, actor):
    """Objects in three languages with images and details, a published theft report, a seizure with custody and a
    restitution case, and heritage places with a nomination: what the pages of each domain show."""
    from turath.cases import services as cases
    from turath.custody import services as custody
    from turath.heritage import services as heritage
    from turath.heritage.models import HeritageList
    from turath.register import services as register
    from turath.register.images import add_image

    for u in users.values():
        u.first_name, u.last_name = "Salma", "Haddad"
        u.save()
    eg, ma = users["eg_ministry_editor"], users["ma_police_editor"]
    with actor(eg):
        manuscript = register.create_object(eg, {
            "record_number": "EG-MOA-2024-0117", "object_type": "manuscript", "materials": "paper; gold",
            "title": "مصحف مملوكي مذهب", "language": "ar", "origin_country": "EG", "sharing": "public",
            "measurements": ["height=26.8 cm", "width=20.5 cm"], "date": "656 AH",
            "description": {"text": "ورقة من مصحف بخط الثلث", "lang": "ar"},
            "inscriptions": [{"text": "Inv. 1978.4766", "lang": "zxx", "script": "Latin", "position": "verso"},
                             {"text": "بسم الله الرحمن الرحيم", "lang": "ar", "script": "Thuluth"}]})
        add_image(eg, manuscript, jpeg((150, 120, 60)), "recto.jpg", caption="")
        register.create_object(eg, {
            "record_number": "EG-MOA-2024-0118", "object_type": "astrolabe", "materials": "copper alloy",
            "title": "Astrolabe planisphérique signé", "language": "fr", "sharing": "network"})
    with actor(users["eg_ministry_contributor"]):
        report = cases.create_report(users["eg_ministry_contributor"], {
            "kind": "theft", "occurred_on": (date.today() - timedelta(days=40)).isoformat(),
            "place": "مخزن دار الكتب، القاهرة", "police_reference": "CAI-2026-5521",
            "circumstances": "كسر الباب الخلفي ليلاً.", "publish_sharing": "network"},
            objects=["EG-MOA-2024-0117", "EG-MOA-2024-0118"])
        report = cases.submit_report(users["eg_ministry_contributor"], report)
    with actor(eg):
        cases.validate_report(eg, report, expected_version=report.version)
    with actor(ma):
        seizure = cases.create_seizure(ma, {
            "seized_on": (date.today() - timedelta(days=10)).isoformat(), "border_post": "Tanger Med",
            "place": "Port de Tanger Med", "declared_description": "Objets de décoration modernes",
            "legal_basis": "Code des douanes, art. 281"})
        cases.add_items(ma, seizure, [{"object_type": "oil lamp", "material": "clay", "count": 1,
                                       "description": "Lampe à huile romaine"},
                                      {"object_type": "coin", "material": "silver", "count": 12}])
        cases.publish_seizure(ma, seizure)
        facility = custody.create_facility(ma, {"code": "tng-depot", "name": "Dépôt des saisies, Tanger"})
        shelf = custody.add_location(ma, facility, "B1/R2/S3")
        lamp = seizure.items.get(line=1).object
        custody.enter_object(ma, lamp, {"at": timezone.now() - timedelta(days=9), "location": shelf.pk})
        custody.check_condition(ma, lamp, {"at": timezone.now() - timedelta(days=6), "grade": "fair",
                                           "checked_by": "Dr. Alaoui", "note": "Fissure sur le bec"})
        cases.add_journal_entry(ma, seizure, "Photographies prises au port.")
    with actor(eg):
        case = cases.open_restitution(eg, {"requesting_country": "EG", "holding_agency": "ma-police",
                                           "legal_basis": "unesco_1970",
                                           "summary": "طلب استرداد القطع المضبوطة في ميناء طنجة المتوسط"},
                                      objects=[manuscript])
    with actor(ma):
        case.objects_claimed.add(lamp)
        cases.add_step(ma, case, kind="decision", on_date=date.today(), text="Décision du parquet de Tanger")
    with actor(eg):
        citadel = heritage.create_place(eg, {
            "name_ar": "قلعة صلاح الدين الأيوبي", "name_en": "Citadel of Salah El-Din",
            "name_fr": "Citadelle de Saladin", "category": "cultural", "states": ["EG", "SD"], "sharing": "public",
            "lon": 31.2599, "lat": 30.0299, "area_ha": "182.72", "region": "Arab States",
            "description": {"lang": "ar", "text": "قلعة من العصر الأيوبي تطل على القاهرة"}})
        nomination = heritage.create_preliminary_entry(eg, citadel, HeritageList.objects.get(key="organization"))
        heritage.start_file(eg, nomination)
    return users


def crawl(client: Client, start: list[str]):
    """Pages reachable by links, a few of each kind (`/vocabulary/concepts/N/` is one kind)."""
    seen, per_path, per_kind, queue = set(), defaultdict(int), defaultdict(int), list(start)
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.netloc or not parts.path.startswith("/") or SKIP.search(parts.path) or url in seen:
            continue
        if parts.query:
            if per_path[parts.path] >= MAX_QUERIES_PER_PATH:
                continue
            per_path[parts.path] += 1
        kind = re.sub(r"\d+", "N", parts.path)
        if per_kind[kind] >= MAX_PER_KIND:
            continue
        per_kind[kind] += 1
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        page = Page()
        page.feed(html)
        queue.extend(link.split("#")[0] for link in page.links if link.split("#")[0])
        yield url, html


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_every_reachable_page_is_translated_and_keeps_its_numbers(world, lang):
    messages = catalogue(lang)
    usernames = {u.username for u in world.values()}
    report, walked = [], 0
    for who in (None, "eg_ministry_editor", "ma_police_editor", "secretariat_admin"):
        client = Client(HTTP_ACCEPT_LANGUAGE=lang)
        if who:
            client.force_login(world[who])
        start = ["/", "/objects/", "/heritage/", "/heritage/nominations/", "/cases/", "/cases/inbox/", "/custody/",
                 "/check/", "/vocabulary/"]
        for url, html in crawl(client, start):
            walked += 1
            for problem in problems_of(html, lang, messages, usernames):
                report.append((f"{who or 'anonymous'} {url}", problem))
    assert walked > 40, walked
    by_problem = defaultdict(list)
    for who_url, problem in report:
        by_problem[problem].append(who_url)
    lines = [f"{problem}  ({len(where)}×, e.g. {where[0]})" for problem, where in sorted(by_problem.items())]
    assert not lines, f"{len(lines)} problems:\n" + "\n".join(lines[:120])


def test_the_walker_sees_what_it_should():
    """The checks themselves, on pages made for them: each tell-tale sign is found, correct markup is not."""
    messages = {"Status history": "سجل الحالات", "Object ID": "Object ID"}
    bad = ('<html lang="ar" dir="rtl"><body><h2>Status history</h2><h2>Object ID</h2>'
           '<p>الحالة: reported_stolen</p><svg><rect x="568,5" width="12"/><polygon points="568,5,245,4"/></svg>'
           '<div style="width: 12,5px"></div><li>نُشر في 2025-08-28</li><p>المقاس: 440×640</p>'
           '<p>مثال: {"coordinates": [31.13, 29.97]}</p></body></html>')
    found = problems_of(bad, "ar", messages, set())
    assert any("untranslated: «Status history»" in p for p in found)
    assert any("msgstr = msgid" in p for p in found)
    assert any("reported_stolen" in p for p in found)
    assert sum("SVG" in p for p in found) == 2 and any("CSS" in p for p in found)
    assert sum("reversed" in p for p in found) == 3
    good = ('<html lang="ar" dir="rtl"><body><h2>سجل الحالات</h2><p>الحالة: مبلّغ عن سرقته</p>'
            '<svg><rect x="568.5" width="12"/><polygon points="568.5,245.4 10,20"/></svg>'
            '<li><time dir="ltr">2025-08-28</time> نص</li><li>نُشر في <time dir="ltr">2025-08-28</time></li>'
            '<p>2025-08-28، القاهرة</p><p><bdi>دينار بغداد، 978-988</bdi></p><p>الضبط SZ-2026-00001 من</p>'
            '<p>مثل 1250، \u20661250-1300\u2069، 656 هـ</p><p>مثال: \u2066{"coordinates": [31.13, 29.97]}\u2069</p>'
            '</body></html>')
    assert problems_of(good, "ar", messages, set()) == []
