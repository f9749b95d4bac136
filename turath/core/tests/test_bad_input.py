"""Bad input answers 400/404 problem+json, never a 500; text is refused (not coerced or cut) when it
is not text, holds NUL or is too long — on the API, in the HTML forms and in the services."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from turath.cases import services as cases
from turath.cases.models import JournalEntry, Report, SeizureMatch
from turath.core.models import ApiToken
from turath.core.parsing import LONG_TEXT, id_or_404, parse_id, parse_int, parse_number, text_problem
from turath.custody import services as custody
from turath.register import services as register
from turath.register.models import CulturalObject

pytestmark = [pytest.mark.django_db]

TOO_BIG = "9223372036854775808"  # 2**63: beyond a 64-bit id


def api(user):
    c = APIClient(raise_request_exception=False)
    _, raw = ApiToken.issue(user)
    c.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return c


def problem(response, status):
    assert response.status_code == status, response.content[:2000]
    assert response["Content-Type"].startswith("application/problem+json"), response["Content-Type"]
    return response.json()


@pytest.fixture
def seizure(users, actor):
    ma = users["ma_police_editor"]
    with actor(ma):
        s = cases.create_seizure(ma, {"seized_on": date.today().isoformat(), "place": "Tanger Med"})
        cases.add_items(ma, s, [{"object_type": "coin", "count": 2}])
    return s


@pytest.fixture
def report(users, actor):
    u = users["eg_ministry_editor"]
    with actor(u):
        return cases.create_report(u, {"kind": "theft", "occurred_on": (date.today() - timedelta(days=3)).isoformat(),
                                       "place": "Le Caire"})


def test_parsing_helpers_refuse_what_int_and_float_cannot_store():
    assert parse_int("²") is None and parse_int("1e3") is None and parse_int(True) is None
    assert parse_id(TOO_BIG) is None and parse_id(str(2**63 - 1)) == 2**63 - 1
    assert parse_id("١٢") == 12  # Arabic-Indic digits are digits
    assert parse_id("0") is None and parse_id("-3") is None and parse_id(" 7 ") == 7
    assert parse_number("nan") is None and parse_number("inf") is None and parse_number("-Infinity") is None
    assert parse_number("0.75") == 0.75 and parse_number(1) == 1.0
    with pytest.raises(Exception) as exc:
        id_or_404("abc")
    assert type(exc.value).__name__ == "Http404"
    assert text_problem({"a": 1}) and text_problem(["x"]) and text_problem("a\x00b")
    assert text_problem("x" * (LONG_TEXT + 1)) and text_problem("x" * LONG_TEXT) is None and text_problem(None) is None


@pytest.mark.parametrize("path", ["/api/v1/alerts/abc/", f"/api/v1/alerts/{TOO_BIG}/", "/api/v1/facilities/abc/",
                                  "/api/v1/facilities/null,null/", f"/api/v1/facilities/{TOO_BIG}/",
                                  "/api/v1/reports/abc/", f"/api/v1/seizures/{TOO_BIG}/"])
def test_ids_that_cannot_exist_are_404(users, path):
    body = problem(api(users["ma_police_editor"]).get(path), 404)
    assert body["status"] == 404


def test_alert_read_with_a_non_numeric_id_is_404(users):
    problem(api(users["ma_police_editor"]).post("/api/v1/alerts/abc/read/", {}, format="json"), 404)


@pytest.mark.parametrize("query", [f"period={TOO_BIG}", "object_type=²", "material=²", f"owning_agency={TOO_BIG}",
                                   "object_type=¹²"])
def test_facet_values_beyond_64_bits_or_unicode_digits_match_nothing(users, actor, query):
    u = users["eg_ministry_editor"]
    with actor(u):
        register.create_object(u, {"record_number": "EG-1", "object_type": "coin", "title": "Dinar", "language": "fr",
                                   "sharing": "public"})
    r = api(u).get(f"/api/v1/objects/?{query}")
    assert r.status_code == 200, r.content[:2000]
    assert r.json()["count"] == 0


@pytest.mark.parametrize("body", ["null", "3", "[1, 2]", '"text"', "[null, null]"])
@pytest.mark.parametrize("path", ["/api/v1/reports/", "/api/v1/seizures/", "/api/v1/restitution-cases/",
                                  "/api/v1/facilities/", "/api/v1/objects/"])
def test_json_bodies_that_are_not_one_object_are_400(users, path, body):
    c = api(users["ma_police_editor"])
    out = problem(c.generic("POST", path, body, content_type="application/json"), 400)
    assert "JSON object" in out["detail"]


def test_case_version_that_is_not_a_number_is_400(users, report):
    c = api(users["eg_ministry_editor"])
    for version in ("abc", "²", TOO_BIG, 1.5, [1]):
        out = problem(c.patch(f"/api/v1/reports/{report.pk}/", {"place": "Alexandrie", "version": version},
                              format="json"), 400)
        assert "version" in out["errors"], out
    out = problem(c.post(f"/api/v1/reports/{report.pk}/submit/", HTTP_IF_MATCH='"abc"'), 400)
    assert "If-Match" in out["errors"]
    report.refresh_from_db()
    assert report.place == "Le Caire"


@pytest.mark.parametrize("score", ["nan", "inf", "-Infinity", "abc", [0.5]])
def test_match_score_must_be_a_finite_number(users, actor, seizure, score):
    eg = users["eg_ministry_editor"]
    with actor(eg):
        candidate = register.create_object(eg, {"record_number": "EG-2", "object_type": "coin", "title": "Dinar",
                                                "language": "fr", "sharing": "network"})
    out = problem(api(users["ma_police_editor"]).post(
        f"/api/v1/seizures/{seizure.pk}/matches/", {"line": 1, "candidate": candidate.record_number, "score": score},
        format="json"), 400)
    assert "score" in out["errors"]
    assert not SeizureMatch.objects.exists()


def test_record_fields_of_the_wrong_json_type_are_400(users):
    c = api(users["eg_ministry_editor"])
    base = {"record_number": "EG-3", "object_type": "coin", "title": "Dinar", "language": "fr"}
    for field, value in (("sharing", [None, None]), ("status", {"a": 1}), ("maker", {"name": "x"}),
                         ("inscriptions", [3]), ("measurements", [None]), ("title", {"text": {"a": 1}}),
                         ("description", {"text": "x", "tr": ["y"]}), ("language", 5)):
        out = problem(c.post("/api/v1/objects/", {**base, field: value}, format="json"), 400)
        assert field in out["errors"] or field == "language", (field, out)
    assert not CulturalObject.objects.exists()


def test_image_options_advertise_no_body_to_parse(users, actor):
    u = users["eg_ministry_editor"]
    with actor(u):
        register.create_object(u, {"record_number": "EG-4", "object_type": "coin", "title": "Dinar", "language": "fr"})
    r = api(u).options("/api/v1/objects/EG-4/images/" + "a" * 64 + "/thumb")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/json")
    assert r.json().get("parses", []) == [] and "POST" not in r["Allow"]


# --- text: NUL, length, JSON where text is expected ------------------------------------------------

@pytest.mark.parametrize("text", ["note\x00hidden", "x" * (LONG_TEXT + 1), {"a": 1}, ["a", "b"]])
def test_journal_note_refused_on_the_api(users, seizure, text):
    c = api(users["ma_police_editor"])
    out = problem(c.post(f"/api/v1/seizures/{seizure.pk}/journal/", {"text": text}, format="json"), 400)
    assert "text" in out["errors"] or "non_field_errors" in out["errors"] or "text" in str(out)
    assert not JournalEntry.objects.exists()


def test_nul_anywhere_in_a_json_body_is_400(users):
    c = api(users["eg_ministry_editor"])
    out = problem(c.post("/api/v1/objects/", {"record_number": "EG-5", "object_type": "coin", "language": "fr",
                                              "title": "Dinar", "inscriptions": [{"text": "a\x00b"}]},
                         format="json"), 400)
    assert "inscriptions[0].text" in out["errors"]


@pytest.mark.parametrize("field,value", [("circumstances", {"when": "night"}), ("circumstances", "a\x00b"),
                                         ("how_discovered", "x" * (LONG_TEXT + 1)), ("police_reference", "x" * 121),
                                         ("place", ["Le Caire"])])
def test_report_text_refused_on_the_api(users, report, field, value):
    c = api(users["eg_ministry_editor"])
    out = problem(c.patch(f"/api/v1/reports/{report.pk}/", {field: value}, format="json"), 400)
    assert field in out["errors"]
    assert Report.objects.get(pk=report.pk).version == report.version


def test_services_refuse_nul_and_too_long_text_whatever_the_caller(users, actor, seizure):
    """The command line and imports reach the services without the API's parser."""
    ma = users["ma_police_editor"]
    with actor(ma), pytest.raises(register.RecordInvalid) as exc:
        register.validate_record({"record_number": "X-1", "object_type": "coin", "description": "a\x00b"}, user=ma)
    assert "description" in exc.value.errors
    with actor(ma), pytest.raises(register.RecordInvalid) as exc:
        cases.add_journal_entry(ma, seizure, "x" * 5_000_000)
    assert "text" in exc.value.errors
    with actor(ma), pytest.raises(register.RecordInvalid) as exc:
        custody.create_facility(ma, {"code": "fes", "name": {"ar": "فاس"}})
    assert "name" in exc.value.errors
    assert not JournalEntry.objects.exists()


# --- the HTML forms ---------------------------------------------------------------------------------

def test_journal_note_form_refuses_a_note_too_long(client, users, seizure):
    client.force_login(users["ma_police_editor"])
    r = client.post(f"/cases/seizure/{seizure.pk}/journal/", {"text": "x" * 5_000_000, "kind": "info"}, follow=True)
    assert r.status_code == 200
    assert not JournalEntry.objects.exists()
    assert f"{LONG_TEXT}" in r.content.decode().replace(",", "").replace("\u202f", "").replace("\xa0", "")
    page = client.get(reverse("cases:seizure-detail", args=[seizure.pk]))
    assert 'maxlength="20000"' in page.content.decode()


def test_report_form_refuses_text_too_long(client, users, report):
    client.force_login(users["eg_ministry_editor"])
    r = client.post(f"/cases/reports/{report.pk}/edit/", {
        "kind": "theft", "occurred_on": report.occurred_on.isoformat(), "place": "Le Caire",
        "publish_sharing": "network", "circumstances": "x" * (LONG_TEXT + 1), "version": report.version})
    assert r.status_code == 200
    assert Report.objects.get(pk=report.pk).circumstances == ""
    assert "circumstances" in r.context["form"].errors


def test_object_form_refuses_a_description_too_long_or_with_nul(client, users):
    client.force_login(users["eg_ministry_editor"])
    for description in ("x" * (LONG_TEXT + 1), "a\x00b"):
        r = client.post("/objects/new/", {"record_number": "EG-9", "object_type": "coin", "status": "registered",
                                          "sharing": "agency", "title": "Dinar", "title_lang": "fr",
                                          "description": description, "description_lang": "fr"})
        assert r.status_code == 200
        assert "description" in r.context["form"].errors
    assert not CulturalObject.objects.exists()


@pytest.mark.parametrize("body,field", [({"action": "request_information", "question": {"q": "?"}}, "question"),
                                        ({"action": "provide_information", "answer": ["a"]}, "answer"),
                                        ({"action": "decide", "decision": "inscribe", "code": "x\x00", "text": "t"},
                                         "code"),
                                        ({"action": "recommend", "recommendation": "x" * 301}, "recommendation"),
                                        ({"action": ["submit"]}, "action")])
def test_nomination_transition_text_refused(users, actor, body, field):
    import datetime

    from turath.heritage import services as heritage
    from turath.heritage.tests.factories import organization_list, place

    ms = users["eg_ministry_contributor"]
    with actor(ms):
        n = heritage.create_preliminary_entry(ms, place(ms), organization_list(), today=datetime.date(2026, 1, 10))
    out = problem(api(ms).post(f"/api/v1/heritage/nominations/{n.pk}/transition/", body, format="json"), 400)
    assert list(out["errors"]) == [field], out
