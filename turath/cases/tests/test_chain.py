"""The whole chain through the services: report → validation → alert → seizure → custody →
restitution → handover, and the bad input and permission cases along the way."""

import io
from datetime import date, timedelta
from xml.etree import ElementTree

import pytest
from django.core import mail
from django.http import Http404
from django.utils import timezone
from PIL import Image

from turath.cases import services
from turath.cases.models import Alert, Report, ReportState, RestitutionCase, Seizure, SeizureMatch
from turath.core.errors import EditConflict, NotPermitted, RecordInvalid, TransitionNotAllowed
from turath.core.models import ApiToken
from turath.custody import services as custody
from turath.custody.models import Holding, Location, Movement, ObjectEntry, ObjectExit, StorageFacility
from turath.register import exporter
from turath.register import services as register
from turath.register.models import CulturalObject, ObjectStatus

pytestmark = [pytest.mark.django_db]


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (150, 120, 60)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def world(users, agencies, actor, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TURATH_BASE_URL = "https://turath.example.org"
    for key, email, lang in (("ma_police", "alerts@police.ma", "fr"), ("eg_customs", "alerts@customs.eg", "ar"),
                             ("ma_museum", "alerts@museum.ma", "fr"), ("secretariat", "alerts@sec.int", "en")):
        agencies[key].email = email
        agencies[key].save()
        for u in users.values():
            if u.agency_id == agencies[key].pk:
                u.preferred_language = lang
                u.save()
    eg = users["eg_ministry_editor"]
    with actor(eg):
        manuscript = register.create_object(eg, {
            "record_number": "EG-MOA-2024-0117", "object_type": "manuscript", "materials": "paper",
            "title": "مصحف مملوكي مذهب", "language": "ar", "origin_country": "EG"})
    return {"users": users, "agencies": agencies, "manuscript": manuscript, "actor": actor}


def _report(world, **extra):
    u = world["users"]["eg_ministry_contributor"]
    data = {"kind": "theft", "occurred_on": (date.today() - timedelta(days=40)).isoformat(),
            "discovered_on": (date.today() - timedelta(days=39)).isoformat(),
            "place": "مخزن دار الكتب، القاهرة", "police_reference": "CAI-2026-5521",
            "geometry": {"type": "Point", "coordinates": [31.2357, 30.0444]},
            "how_discovered": "Inventaire annuel", **extra}
    with world["actor"](u):
        return services.create_report(u, data, objects=["EG-MOA-2024-0117"], new_objects=[{
            "record_number": "EG-MOA-2024-0118", "object_type": "astrolabe", "materials": "copper alloy",
            "title": "Astrolabe planisphérique signé", "language": "fr"}])


def test_whole_chain(world, client, django_capture_on_commit_callbacks):
    users, agencies, act = world["users"], world["agencies"], world["actor"]
    eg_editor, ma_officer, ma_editor = users["eg_ministry_editor"], users["ma_police_contributor"], users["ma_police_editor"]

    # 1. Report: draft → submitted → validated & published.
    report = _report(world)
    assert report.state == ReportState.DRAFT and report.objects_concerned.count() == 2
    assert not Report.objects.restrict(ma_officer).filter(pk=report.pk).exists()
    with act(users["eg_ministry_contributor"]):
        report = services.submit_report(users["eg_ministry_contributor"], report)
        with pytest.raises(NotPermitted):
            services.validate_report(users["eg_ministry_contributor"], report)
    with pytest.raises(NotPermitted):
        services.validate_report(users["ma_police_editor"], report)  # another agency's editor
    with act(eg_editor), django_capture_on_commit_callbacks(execute=True):
        report = services.validate_report(eg_editor, report, expected_version=report.version)
    assert report.state == ReportState.PUBLISHED and report.sharing == "network"
    manuscript = CulturalObject.objects.get(record_number="EG-MOA-2024-0117")
    # Publication is the report's: the manuscript stays «reported stolen» (and in that filter) until it is found.
    assert manuscript.status == ObjectStatus.REPORTED_STOLEN and manuscript.sharing == "network"
    assert list(manuscript.status_history.values_list("to_status", flat=True)) == ["registered", "reported_stolen"]

    # 2. Alerts reach law enforcement (not the museum, not the sender), in each one's language.
    recipients = set(Alert.objects.filter(report=report).values_list("recipient__code", flat=True))
    assert recipients == {"eg-customs", "ma-police", "secretariat"}
    assert [a.pk for a in services.inbox(ma_officer)] == [Alert.objects.get(report=report, recipient__code="ma-police").pk]
    assert not services.inbox(users["ma_museum_editor"]).exists()
    by_rcpt = {m.to[0]: m for m in mail.outbox}
    assert set(by_rcpt) == {"alerts@police.ma", "alerts@customs.eg", "alerts@sec.int"}
    assert "Manuscrit" in by_rcpt["alerts@police.ma"].body and "Sûreté" not in by_rcpt["alerts@police.ma"].subject
    assert "Ministère du Tourisme et des Antiquités" in by_rcpt["alerts@police.ma"].subject
    assert "مخطوط" in by_rcpt["alerts@customs.eg"].body and "وزارة السياحة والآثار" in by_rcpt["alerts@customs.eg"].subject
    assert "Manuscript" in by_rcpt["alerts@sec.int"].body
    assert "https://turath.example.org/cases/reports/" in by_rcpt["alerts@sec.int"].body
    alert = Alert.objects.get(report=report, recipient__code="ma-police")
    services.mark_read(ma_officer, alert)
    assert not services.inbox(ma_officer, unread_only=True).exists()

    # Atom feed with a feed token of the receiving agency; nobody else's token opens it.
    _, raw = ApiToken.issue(ma_officer, "feed reader", scope="feed")
    feed = client.get(f"/cases/alerts/ma-police.atom?token={raw}")
    assert feed.status_code == 200 and feed["Content-Type"].startswith("application/atom+xml")
    entries = ElementTree.fromstring(feed.content).findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 1 and "Manuscrit" in feed.content.decode()
    assert client.get("/cases/alerts/ma-police.atom", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    _, other = ApiToken.issue(users["eg_customs_viewer"], scope="feed")
    assert client.get(f"/cases/alerts/ma-police.atom?token={other}").status_code == 404
    assert client.get("/cases/alerts/ma-police.atom").status_code == 404

    # 3. Seizure of ten items at a Moroccan border post; one broken row first.
    with act(ma_editor):
        seizure = services.create_seizure(ma_editor, {
            "seized_on": (date.today() - timedelta(days=10)).isoformat(), "border_post": "Tanger Med",
            "place": "Port de Tanger Med", "carrier_reference": "MSC-TNG-88812",
            "declared_description": "Objets de décoration modernes", "observed_description": "Monnaies anciennes",
            "legal_basis": "Code des douanes, art. 281"})
        rows = [{"object_type": "coin", "material": "silver", "count": 12, "description": f"Dirhams lot {i}"}
                for i in range(1, 10)]
        rows.insert(4, {"object_type": "spaceship", "material": "silver", "count": "douze"})
        with pytest.raises(services.BatchInvalid) as broken:
            services.add_items(ma_editor, seizure, rows)
        assert not seizure.items.exists()  # all or nothing by default
        errs = broken.value.result.row_errors
        assert {(e.row, name) for e in errs for name in e.errors} == {(5, "object_type"), (5, "count")}
        assert "row 5" in str(broken.value) and broken.value.result.created == 0
        rows[4] = {"object_type": "oil lamp", "material": "clay", "count": 1, "photo": ("lamp.jpg", jpeg())}
        result = services.add_items(ma_editor, seizure, rows)
    assert result.ok and seizure.items.count() == 10
    item = seizure.items.get(line=5)
    assert item.object.status == ObjectStatus.SEIZED and item.object.images.count() == 1
    assert item.object.owning_agency == agencies["ma_police"]
    with act(ma_editor):
        match = services.link_candidate(ma_editor, seizure.items.get(line=1), manuscript, score=0.42, source="engine")
    assert SeizureMatch.objects.get(pk=match.pk).source == "engine"
    with act(ma_editor), django_capture_on_commit_callbacks(execute=True):
        services.publish_seizure(ma_editor, seizure)
    assert Alert.objects.filter(seizure=seizure, recipient__code="eg-customs").exists()

    # 4. Custody: facility, entry with a label, two movements, a condition check.
    with act(ma_editor):
        facility = custody.create_facility(ma_editor, {"code": "tng-depot", "name": "Dépôt des saisies, Tanger"})
        shelf_a = custody.add_location(ma_editor, facility, "B1/R2/S3")
        shelf_b = custody.add_location(ma_editor, facility, "B1/R4/S1", "Armoire forte")
        vault = custody.add_location(ma_editor, facility, "B2/V1")
        lamp = item.object
        entry = custody.enter_object(ma_editor, lamp, {"at": timezone.now() - timedelta(days=9), "location": shelf_a.pk})
    assert Location.objects.filter(facility=facility).count() == 7  # parents created on the way
    assert entry.entry_number.startswith("MA-POLICE-E")
    assert CulturalObject.objects.get(pk=lamp.pk).status == ObjectStatus.IN_CUSTODY
    assert "<svg" in custody.label_qr_svg("https://turath.example.org/custody/entries/1/")
    with act(ma_officer):
        custody.move_object(ma_officer, lamp, {"at": timezone.now() - timedelta(days=8), "to_location": shelf_b.pk,
                                               "moved_by": "Brigadier Amrani", "reason": "Photographie",
                                               "authorised_by": "Commissaire Bennani"})
        custody.move_object(ma_officer, lamp, {"at": timezone.now() - timedelta(days=7), "to_location": vault.pk,
                                               "moved_by": "Brigadier Amrani", "reason": "Mise en sécurité",
                                               "authorised_by": "Commissaire Bennani"})
        custody.check_condition(ma_officer, lamp, {
            "at": timezone.now() - timedelta(days=6), "grade": "fair", "checked_by": "Dr. Alaoui",
            "note": "Fissure sur le bec", "next_check_due": (date.today() - timedelta(days=1)).isoformat()},
            photos=[("bec.jpg", jpeg())])
    holding = Holding.objects.get(object=lamp)
    assert holding.location == vault and holding.custodian == agencies["ma_police"]
    assert [o["object"].pk for o in custody.overdue_checks(agencies["ma_police"])] == [lamp.pk]
    kinds = [i.kind for i in custody.chain(ma_officer, lamp)]
    assert kinds == ["entry", "movement", "movement", "condition"]

    # 5. Restitution requested by Egypt, visible to both states, handover → exit.
    with act(users["eg_ministry_editor"]):
        case = services.open_restitution(users["eg_ministry_editor"], {
            "requesting_country": "EG", "holding_agency": "ma-police", "legal_basis": "unesco_1970",
            "summary": "طلب استرداد القطع المضبوطة في ميناء طنجة المتوسط"}, objects=[manuscript])
    with act(ma_editor):
        case.objects_claimed.add(lamp)
        services.add_step(ma_editor, case, kind="decision", on_date=date.today(), text="Décision du parquet de Tanger")
    assert RestitutionCase.objects.restrict(users["eg_customs_viewer"]).filter(pk=case.pk).exists()
    assert not RestitutionCase.objects.restrict(users["ma_museum_editor"]).filter(pk=case.pk).exists()
    with pytest.raises(NotPermitted):
        services.record_handover(users["eg_ministry_editor"], case, {"on_date": date.today(),
                                                                     "receiving_institution": "Musée égyptien"})
    with act(ma_editor):
        services.record_handover(ma_editor, case, {"on_date": date.today().isoformat(),
                                                   "receiving_institution": "Musée égyptien du Caire",
                                                   "handed_by": "Commissaire Bennani"})
    holding.refresh_from_db()
    assert not holding.in_custody and holding.exited.kind == "restitution"
    assert CulturalObject.objects.get(pk=lamp.pk).status == ObjectStatus.RESTITUTED
    case.refresh_from_db()
    assert case.state == "handed_over"

    # The timeline merges all of it, in date order.
    events = services.timeline(ma_editor, case)
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert {"restitution", "decision", "entry", "movement", "condition", "exit", "seizure"} <= {e.kind for e in events}

    # Second exit of an object already returned.
    with pytest.raises(TransitionNotAllowed):
        custody.exit_object(ma_editor, lamp, {"at": timezone.now(), "kind": "court_release",
                                              "recipient": "X", "authorised_by": "Y"})

    figures = services.dashboard(agencies["ma_police"], "fr")
    assert figures["open_cases"]["seizures"] == 1
    assert ("Monnaie", 108) in figures["seizures_by_type"]
    assert figures["alerts"]["total"] == 1
    assert sum(n for _m, n in figures["seizures_by_month"]) == 1
    assert figures["seizures_by_month"][-1][0] == timezone.localdate().strftime("%Y-%m")
    assert "<svg" in services.bar_chart_svg(figures["seizures_by_month"], title="Saisies")

    # Every step of the chain is in the audit log under its name in the scheme app.model.verb.
    from turath.core.audit_names import in_scheme
    from turath.core.models import AuditEntry

    written = set(AuditEntry.objects.filter(object_type__regex=r"^(cases|custody)\.").values_list("action", flat=True))
    assert {"cases.report.validate", "cases.seizure.publish", "cases.restitution.hand_over", "custody.exit.record",
            "cases.alert.send"} <= written
    assert [a for a in written if not in_scheme(a)] == []


def test_movement_into_another_agencys_facility_needs_a_transfer(world):
    users, agencies, act = world["users"], world["agencies"], world["actor"]
    eg, ma = users["eg_customs_editor"], users["ma_police_editor"]
    with act(ma):
        seizure = services.create_seizure(ma, {"seized_on": date.today().isoformat(), "place": "Casablanca"})
        obj = services.add_items(ma, seizure, [{"object_type": "coin", "count": 3}]).items[0].object
        ma_loc = custody.add_location(ma, custody.create_facility(ma, {"code": "casa", "name": "Casa"}), "A/1")
        custody.enter_object(ma, obj, {"at": timezone.now(), "location": ma_loc})
    with act(eg):
        eg_loc = custody.add_location(eg, custody.create_facility(eg, {"code": "cairo", "name": "Cairo"}), "R1")
    move = {"at": timezone.now(), "to_location": eg_loc.pk, "moved_by": "A", "reason": "B", "authorised_by": "C"}
    with act(ma), pytest.raises(RecordInvalid) as exc:
        custody.move_object(ma, obj, move)
    assert "transfer of custody" in exc.value.errors["to_location"][0]
    with act(eg), pytest.raises(NotPermitted):
        custody.move_object(eg, obj, move)  # not EG's custody either
    assert not Movement.objects.filter(object=obj).exists()

    with act(ma):
        transfer = custody.request_transfer(ma, obj, agencies["eg_customs"], {"reason": "Restitution"})
        with pytest.raises(TransitionNotAllowed):
            custody.complete_transfer(ma, transfer)  # receiver has not acknowledged
    with act(eg):
        custody.acknowledge_transfer(eg, transfer)
    with act(ma):
        custody.complete_transfer(ma, transfer)
    with act(eg):
        with pytest.raises(RecordInvalid) as exc:
            custody.move_object(eg, obj, move)  # dated before the handover completed
        assert "before the last recorded custody event" in exc.value.errors["at"][0]
        custody.move_object(eg, obj, {**move, "at": timezone.now()})
    assert Holding.objects.get(object=obj).location == eg_loc
    # The receiver inherits the history; MA still sees what it recorded.
    assert [i.kind for i in custody.chain(eg, obj)] == ["entry", "transfer", "movement"]
    assert [i.kind for i in custody.chain(ma, obj)] == ["entry", "transfer"]


def test_dates_in_the_future_or_before_the_theft_are_refused(world):
    users, act = world["users"], world["actor"]
    u = users["eg_ministry_contributor"]
    with act(u), pytest.raises(RecordInvalid) as exc:
        services.create_report(u, {"kind": "looting", "place": "Saqqara",
                                   "occurred_on": (date.today() + timedelta(days=3)).isoformat(),
                                   "discovered_on": (date.today() - timedelta(days=3)).isoformat()})
    assert "future" in exc.value.errors["occurred_on"][0]
    assert "before" in exc.value.errors["discovered_on"][0]

    # Custody entry before the seizure date.
    ma = users["ma_police_editor"]
    with act(ma):
        seizure = services.create_seizure(ma, {"seized_on": (date.today() - timedelta(days=2)).isoformat(),
                                               "place": "Oujda"})
        obj = services.add_items(ma, seizure, [{"object_type": "tile", "material": "clay"}]).items[0].object
        loc = custody.add_location(ma, custody.create_facility(ma, {"code": "oujda", "name": "Oujda"}), "S1")
        with pytest.raises(RecordInvalid) as exc:
            custody.enter_object(ma, obj, {"at": timezone.now() - timedelta(days=5), "location": loc.pk})
        assert "before" in exc.value.errors["at"][0]
        with pytest.raises(RecordInvalid) as exc:
            custody.enter_object(ma, obj, {"at": timezone.now() + timedelta(days=1), "location": loc.pk})
        assert "future" in exc.value.errors["at"][0]
        assert not ObjectEntry.objects.filter(object=obj).exists()
        entry = custody.enter_object(ma, obj, {"at": timezone.now() - timedelta(days=1), "location": loc.pk})
        with pytest.raises(RecordInvalid):
            custody.check_condition(ma, obj, {"at": timezone.now() - timedelta(days=2), "grade": "good",
                                              "checked_by": "X"})
    # The chain is append-only: no update, no delete, corrections are new rows.
    with pytest.raises(Exception, match="append-only"):
        entry.note = "changed"
        entry.save()
    with pytest.raises(Exception, match="append-only"):
        entry.delete()
    with pytest.raises(Exception, match="append-only"):
        ObjectEntry.objects.filter(pk=entry.pk).delete()
    with act(ma):
        fixed = custody.correct(ma, entry, {"note": "Heure corrigée", "at": timezone.now() - timedelta(hours=30)})
    assert fixed.corrects_id == entry.pk and ObjectEntry.objects.filter(object=obj).count() == 2
    assert Holding.objects.get(object=obj).entry == fixed


def test_seizure_before_the_theft_cannot_be_the_stolen_object(world):
    users, act = world["users"], world["actor"]
    report = _report(world, occurred_on=(date.today() - timedelta(days=5)).isoformat(), discovered_on="")
    eg = users["eg_ministry_editor"]
    with act(eg):
        services.submit_report(eg, report)
    with act(users["eg_ministry_agency_admin"]):  # four eyes: not the person who submitted it
        services.validate_report(users["eg_ministry_agency_admin"], report)
    ma = users["ma_police_editor"]
    with act(ma):
        seizure = services.create_seizure(ma, {"seized_on": (date.today() - timedelta(days=30)).isoformat(),
                                               "place": "Tanger"})
        item = services.add_items(ma, seizure, [{"object_type": "manuscript"}]).items[0]
        match = services.link_candidate(ma, item, world["manuscript"], score=0.9)
        with pytest.raises(RecordInvalid) as exc:
            services.decide_match(ma, match, "same")
    assert "before the theft" in exc.value.errors["decision"][0]


def test_broken_row_with_accept_valid_creates_the_others_and_reports_it(world):
    ma, act = world["users"]["ma_police_contributor"], world["actor"]
    with act(ma):
        seizure = services.create_seizure(ma, {"seized_on": date.today().isoformat(), "place": "Nador"})
        result = services.add_items(ma, seizure, [
            {"object_type": "coin", "material": "gold", "count": 2},
            {"object_type": "coin", "material": "unobtainium", "count": 1},
            {"object_type": "stele", "count": 1, "photo": ("x.jpg", b"not an image")},
            {"object_type": "coin", "material": "bronze", "count": 5}], accept_valid=True)
    assert [i.object.record_number[-3:] for i in result.items] == ["001", "002"] and result.created == 2
    assert {(e.row, name) for e in result.row_errors for name, _m in e.messages()} == {(2, "materials"), (3, "photo")}
    assert result.failed == 2 and result.committed
    assert seizure.items.count() == 2


def test_concurrent_edit_conflict(world):
    report = _report(world)
    a, b = world["users"]["eg_ministry_contributor"], world["users"]["eg_ministry_editor"]
    v = report.version
    with world["actor"](a):
        services.update_report(a, report, {"police_reference": "CAI-1"}, expected_version=v)
    with world["actor"](b), pytest.raises(EditConflict) as exc:
        services.update_report(b, report, {"police_reference": "CAI-2"}, expected_version=v)
    assert "changed by someone else" in str(exc.value)
    assert Report.objects.get(pk=report.pk).police_reference == "CAI-1"  # nothing lost


def test_state_b_never_sees_state_a_unpublished_report_or_custody(world, client):
    users, act = world["users"], world["actor"]
    report = _report(world)
    eg_customs = users["eg_customs_editor"]
    ma = users["ma_police_editor"]
    assert not Report.objects.restrict(ma).filter(pk=report.pk).exists()
    with pytest.raises(Http404):
        services.get_case(ma, "report", report.pk)
    with act(ma):
        loc = custody.add_location(ma, custody.create_facility(ma, {"code": "rabat", "name": "Rabat"}), "S9")
    assert not StorageFacility.objects.restrict(eg_customs).exists()
    assert not Location.objects.restrict(eg_customs).filter(pk=loc.pk).exists()
    assert not services.inbox(ma).exists() and not Alert.objects.exists()
    assert mail.outbox == []  # nothing is e-mailed before the owning agency validates
    # The objects of the unpublished report are in no export or API answer of state B either.
    out = io.StringIO()
    exporter.export(ma, "json", out)
    assert "EG-MOA-2024-0118" not in out.getvalue() and "EG-MOA-2024-0117" not in out.getvalue()
    client.force_login(ma)
    assert client.get(f"/cases/reports/{report.pk}/").status_code == 404
    assert client.get("/objects/EG-MOA-2024-0118/").status_code == 404
    assert client.get("/api/v1/objects/EG-MOA-2024-0118/").status_code == 404
    client.force_login(eg_customs)
    assert "rabat" not in client.get("/custody/").content.decode().lower()
    # ... while the owning state reaches the same addresses (so the 404s above are the filter's doing).
    client.force_login(users["eg_ministry_editor"])
    assert client.get("/objects/EG-MOA-2024-0118/").status_code == 200
    assert client.get("/api/v1/objects/EG-MOA-2024-0118/").status_code == 200


def test_journal_attachment_assignment(world):
    report = _report(world)
    u = world["users"]["eg_ministry_contributor"]
    with world["actor"](u):
        services.add_journal_entry(u, report, "اتصال مع الإنتربول", on_date=date.today())
        att = services.add_attachment(u, report, b"%PDF-1.4 proces-verbal", "PV police.pdf")
        services.assign(u, report, world["users"]["eg_ministry_editor"], date.today() + timedelta(days=14))
        with pytest.raises(RecordInvalid):
            services.assign(u, report, world["users"]["ma_police_editor"])  # not in the case's agency
    with pytest.raises(NotPermitted):
        services.add_journal_entry(world["users"]["ma_police_editor"], report, "x")
    assert att.size == len(b"%PDF-1.4 proces-verbal")
    assert [e.kind for e in services.timeline(u, report)][-1] == "journal"


def test_announce_discovered_object(world, django_capture_on_commit_callbacks):
    ma = world["users"]["ma_museum_editor"]
    with world["actor"](ma):
        obj = register.create_object(ma, {"record_number": "MA-MUS-D-1", "object_type": "stele",
                                          "status": "discovered_unknown", "title": "Stèle libyque"})
        with django_capture_on_commit_callbacks(execute=True):
            alerts = services.announce_discovered(ma, obj, "members")
    assert {a.recipient.code for a in alerts} == {"eg-customs", "eg-moa", "ma-police", "secretariat"}
    assert Seizure.objects.count() == 0 and len(mail.outbox) == 3  # eg-moa has no alert e-mail


def test_a_handover_custody_refuses_is_undone_entirely(world):
    """The handover and the custody exits it causes (custody's receiver of restitution_handed_over) are one
    transaction: an exit the chain refuses (the handover dated before the object's entry into custody)
    leaves no handover, no exit, no audit entry, and the object still in custody."""
    from turath.core.models import AuditEntry

    users, act = world["users"], world["actor"]
    ma = users["ma_police_editor"]
    with act(ma):
        jar = register.create_object(ma, {"record_number": "MA-POL-2026-0031", "object_type": "oil lamp",
                                          "materials": "clay", "title": "Jarre", "language": "fr"})
        facility = custody.create_facility(ma, {"code": "rabat-depot", "name": "Dépôt de Rabat"})
        shelf = custody.add_location(ma, facility, "A1")
        custody.enter_object(ma, jar, {"at": timezone.now() - timedelta(hours=1), "location": shelf.pk})
        case = services.open_restitution(ma, {"requesting_country": "EG", "holding_agency": "ma-police",
                                              "legal_basis": "unesco_1970",
                                              "opened_on": (date.today() - timedelta(days=5)).isoformat()},
                                         objects=[jar])
        audit_before = AuditEntry.objects.count()
        with pytest.raises(RecordInvalid) as refused:
            services.record_handover(ma, case, {"on_date": (date.today() - timedelta(days=2)).isoformat(),
                                                "receiving_institution": "Musée égyptien du Caire"})
    assert "at" in refused.value.errors  # custody's refusal, passed on unchanged
    case.refresh_from_db()
    assert case.state == "open" and not case.closed and not hasattr(case, "handover")
    holding = Holding.objects.get(object=jar)
    assert holding.in_custody and holding.exited is None and not ObjectExit.objects.filter(object=jar).exists()
    assert AuditEntry.objects.count() == audit_before
    # Dated after the entry, the same handover goes through: the object leaves custody with it.
    with act(ma):
        services.record_handover(ma, case, {"on_date": date.today().isoformat(),
                                            "receiving_institution": "Musée égyptien du Caire"})
    holding.refresh_from_db()
    assert not holding.in_custody and holding.exited.kind == "restitution" and holding.exited.restitution == case


def test_a_seizure_is_not_redated_after_its_lot_entered_custody(world):
    """Custody answers cases' seizure_date_changing: the lot cannot have been seized after its entry."""
    ma, act = world["users"]["ma_police_editor"], world["actor"]
    with act(ma):
        seizure = services.create_seizure(ma, {"seized_on": (date.today() - timedelta(days=10)).isoformat(),
                                               "place": "Port de Tanger Med"})
        item = services.add_items(ma, seizure, [{"object_type": "coin", "material": "silver", "count": 3}]).items[0]
        facility = custody.create_facility(ma, {"code": "tng-quai", "name": "Dépôt du quai"})
        custody.enter_object(ma, item.object, {"at": timezone.now() - timedelta(days=5),
                                               "location": custody.add_location(ma, facility, "Q1").pk})
        seizure.refresh_from_db()
        with pytest.raises(RecordInvalid) as refused:
            services.update_seizure(ma, seizure, {"seized_on": (date.today() - timedelta(days=1)).isoformat()})
        assert list(refused.value.errors) == ["seized_on"] and "custody" in refused.value.errors["seized_on"][0]
        services.update_seizure(ma, seizure, {"seized_on": (date.today() - timedelta(days=7)).isoformat()})
    seizure.refresh_from_db()
    assert seizure.seized_on == date.today() - timedelta(days=7)
