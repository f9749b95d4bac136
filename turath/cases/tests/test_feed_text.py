"""The Atom feed shows user text as text: what a feed reader renders from it runs no script."""

from datetime import date, timedelta
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest

from turath.cases import services

pytestmark = [pytest.mark.django_db]

ATOM = "{http://www.w3.org/2005/Atom}"
SCRIPT = "<script>alert(document.cookie)</script>"
IMG = '<img src=x onerror="alert(1)">'


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def rendered(element) -> tuple[list[str], str]:
    """What a feed reader makes of an Atom text construct (RFC 4287 §3.1): the HTML elements it would
    create and the text it would show."""
    kind = element.get("type", "text")
    if kind == "text":
        return [], element.text or ""
    if kind == "html":
        parser = _Tags()
        parser.feed(element.text or "")
        return parser.tags, "".join(parser.text)
    assert kind == "xhtml"
    return [child.tag for child in element.iter() if child is not element], "".join(element.itertext())


def test_feed_shows_user_text_as_typed_and_runs_nothing(users, actor, django_capture_on_commit_callbacks):
    eg = users["eg_ministry_editor"]
    with actor(eg):
        report = services.create_report(eg, {
            "kind": "theft", "occurred_on": (date.today() - timedelta(days=3)).isoformat(),
            "place": f"Le Caire {SCRIPT}", "police_reference": IMG, "publish_sharing": "network"},
            new_objects=[{"record_number": "EG-MOA-X1", "object_type": "coin", "materials": "gold",
                          "title": f"Dinar {SCRIPT}", "language": "fr"}])
        report = services.submit_report(eg, report)
    second = users["eg_ministry_agency_admin"]  # four eyes: another person of the agency validates
    with actor(second), django_capture_on_commit_callbacks(execute=True):
        services.validate_report(second, report)
    feed = ElementTree.fromstring(services.agency_feed(users["ma_police_editor"].agency, "fr"))
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 1
    shown = []
    for element in entries[0]:
        if element.tag in (f"{ATOM}title", f"{ATOM}summary", f"{ATOM}content"):
            tags, text = rendered(element)
            assert tags == [], f"{element.tag} would create HTML elements {tags}"
            shown.append(text)
    body = "\n".join(shown)
    # The officer's words reach the reader exactly as typed: visible, not executed, not double-escaped.
    assert SCRIPT in body and IMG in body and "&lt;" not in body
