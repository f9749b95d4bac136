"""The synthetic demo register: people of every role, coherent trilingual records, the whole lifecycle,
photographs stored byte for byte, and determinism."""

import hashlib
import io
import random
from collections import defaultdict

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from turath.core.models import AuditEntry, Role, User
from turath.register import demo, services
from turath.register.models import INITIAL_STATUSES, STATUS_TRANSITIONS, CulturalObject, ObjectStatus
from turath.register.search import build_search_text


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def small_demo(db, media):
    report = demo.load_demo(objects=60, images_every=10, seed=7)
    return report


def test_every_role_in_at_least_two_member_states(small_demo):
    countries_by_role = defaultdict(set)
    for user in User.objects.select_related("agency"):
        countries_by_role[user.role].add(user.agency.country)
    for role in (Role.VIEWER, Role.CONTRIBUTOR, Role.EDITOR, Role.AGENCY_ADMIN):
        assert len(countries_by_role[role]) >= 2, role
    admin = User.objects.get(username="secretariat-admin")
    assert admin.role == Role.SECRETARIAT_ADMIN and admin.agency.kind == "secretariat"
    editor = User.objects.get(username="eg-customs-editor")
    assert editor.check_password(demo.DEMO_PASSWORD) and editor.agency.country == "EG"
    assert User.objects.get(username="ma-museum-viewer").agency.country == "MA"
    assert small_demo.users == User.objects.count()


def test_records_are_trilingual_with_original_language_varying(small_demo):
    objs = list(CulturalObject.objects.all())
    assert len(objs) == 60
    originals = {o.title["lang"] for o in objs}
    assert originals == {"ar", "en", "fr"}
    three = [o for o in objs if {o.title["lang"], *o.title["tr"]} == {"ar", "en", "fr"}]
    assert len(three) > 20
    assert any(tr["machine"] for o in objs for tr in o.description["tr"].values())
    assert any(not tr["machine"] for o in objs for tr in o.description["tr"].values())
    arabic = [o.title["text"] for o in objs if o.title["lang"] == "ar"]
    assert all(any("\u0600" <= ch <= "\u06ff" for ch in t) for t in arabic)
    assert all(o.measurements.exists() for o in objs)
    assert any(i.kind == "inventory_mark" for o in objs for i in o.inscriptions.all())
    assert {o.date_calendar for o in objs} == {"hijri", "gregorian"}


def test_types_materials_and_periods_belong_together(small_demo):
    vocab = demo.DemoVocab.load()
    kinds = set()
    for obj in CulturalObject.objects.select_related("object_type", "period").prefetch_related("materials"):
        kind = demo.demo_row(int(obj.record_number.rsplit("-", 1)[1]), 7, vocab)["image_kind"]
        materials = {m.pref_en.lower() for m in obj.materials.all()}
        period = obj.period.pref_en.lower() if obj.period else None
        if kind == "coin-gold":  # a dinar is gold, struck, Umayyad to Fatimid
            assert materials == {"gold"} and period in (None, "umayyad", "abbasid", "fatimid")
        elif kind == "manuscript-kufic":  # a Kufic Qur'an folio is on parchment
            assert materials <= {"parchment"} and period in (None, "abbasid", "fatimid")
        elif kind == "manuscript-naskh":
            assert materials <= {"paper"} and period in (None, "mamluk", "ottoman", "safavid")
        kinds.add(kind)
    assert {"coin-gold", "manuscript-naskh"} <= kinds


def test_statuses_follow_the_lifecycle_with_history(small_demo):
    objs = CulturalObject.objects.prefetch_related("status_history", "images")
    assert len({o.status for o in objs}) >= 5
    for obj in objs:
        history = list(obj.status_history.all())
        assert history[0].from_status == "" and history[0].to_status in INITIAL_STATUSES
        for before, after in zip(history, history[1:], strict=False):
            assert after.from_status == before.to_status
            assert after.to_status in STATUS_TRANSITIONS[before.to_status]
            assert after.at >= before.at
        assert history[-1].to_status == obj.status and obj.status in ObjectStatus.values
        assert obj.version == len(history) + len(obj.images.all())  # each change and photograph bumps it
        assert ObjectStatus.PUBLISHED not in {h.to_status for h in history}  # publication is a report's
    assert {o.sharing for o in objs} == {"agency", "network", "members", "public"}


def test_search_text_is_the_one_search_py_builds(small_demo):
    objs = CulturalObject.objects.prefetch_related("materials", "techniques", "inscriptions")
    for obj in objs:
        assert sorted(obj.search_text.split()) == sorted(build_search_text(obj).split()), obj.record_number


def test_images_are_stored_byte_for_byte(small_demo):
    with_images = [o for o in CulturalObject.objects.prefetch_related("images") if o.images.all()]
    numbers = {int(o.record_number.rsplit("-", 1)[1]) for o in with_images}
    assert numbers == {0, 10, 20, 30, 40, 50}
    assert small_demo.images == sum(len(o.images.all()) for o in with_images)
    for obj in with_images:
        assert 1 <= len(obj.images.all()) <= 3
        for image in obj.images.all():
            with default_storage.open(image.original.name) as fh:
                assert hashlib.sha256(fh.read()).hexdigest() == image.sha256
            assert default_storage.exists(image.thumb) and default_storage.exists(image.medium)
    digests = [im.sha256 for o in with_images for im in o.images.all()]
    assert len(set(digests)) == len(digests)  # every picture is distinct
    assert AuditEntry.objects.filter(action="register.object.load_demo").count() == 1


def test_rows_pass_the_registers_validation(small_demo):
    editor = User.objects.get(username="eg-museum-editor")
    vocab = demo.DemoVocab.load()
    for i in range(60):
        services.validate_record(demo.demo_row(i, 7, vocab), user=editor)


def test_same_seed_same_records(small_demo):
    vocab = demo.DemoVocab.load()
    assert demo.demo_row(5, 7, vocab) == demo.demo_row(5, 7, vocab)
    assert demo.demo_row(5, 7, vocab) != demo.demo_row(5, 8, vocab)
    for obj in CulturalObject.objects.prefetch_related("status_history"):
        row = demo.demo_row(int(obj.record_number.rsplit("-", 1)[1]), 7, vocab)
        assert obj.record_number == row["record_number"]
        assert obj.title == row["title"] and obj.description == row["description"]
        assert [h.to_status for h in obj.status_history.all()] == [h["status"] for h in row["status_history"]]
        rng_a, rng_b = random.Random(1), random.Random(1)
        assert demo.image_bytes(row["image_kind"], rng_a) == demo.image_bytes(row["image_kind"], rng_b)


def test_if_empty_is_idempotent(db, media):
    out = io.StringIO()
    call_command("demo", objects=12, images_every=0, stdout=out)
    assert "12 records" in out.getvalue() and "The demo data is synthetic" in out.getvalue()
    users, objects = User.objects.count(), CulturalObject.objects.count()
    again = io.StringIO()
    call_command("demo", if_empty=True, stdout=again)
    assert "no demo data loaded" in again.getvalue()
    assert (User.objects.count(), CulturalObject.objects.count()) == (users, objects) == (users, 12)


def test_print_logins_lists_every_account(small_demo):
    out = io.StringIO()
    call_command("demo", print_logins=True, stdout=out)
    text = out.getvalue()
    lines = text.splitlines()
    for username, role, _agency, country in demo.login_table():
        assert any(line.startswith(username + " ") and role in line and line.rstrip().endswith(country)
                   for line in lines), username
    assert f"Password of every demo account: {demo.DEMO_PASSWORD}" in text
    assert "synthetic" in text
    assert CulturalObject.objects.count() == 60  # printing loads nothing


def test_csv_rows_import_through_the_importer(small_demo):
    from turath.register.importer import import_rows

    editor = User.objects.get(username="ma-museum-editor")
    vocab = demo.DemoVocab.load()
    rows = [demo.csv_row(demo.demo_row(i, 99, vocab)) for i in range(1000, 1030)]
    report = import_rows(rows, editor)
    assert report.failed == 0, report.as_text()
    assert report.created == 30
    imported = CulturalObject.objects.get(record_number=rows[0]["record_number"])
    assert imported.owning_agency == editor.agency and imported.title["text"] == rows[0]["title"]
