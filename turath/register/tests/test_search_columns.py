"""The in-memory search columns (register/columns.py) against the SQL they replace.

Every search here runs twice: through the columns, and through SQL alone (the columns switched
off), and the two must give the same records, counts, facet counts and orders, for users of
different agencies and sharing levels. The transactional tests check that the shared columns
follow every kind of write (create, edit, sharing and status changes, materials, delete, a
flush of the tables) without a restart.
"""

import numpy as np
import pytest
from django.core.paginator import Paginator
from django.db import connection, transaction

from turath.register import columns as register_columns
from turath.register import search as register_search
from turath.register.facets import resolve_filters
from turath.register.models import CulturalObject
from turath.register.search import build_search_text, search_objects
from turath.vocabulary.services import resolve_concept

from .test_search import records  # noqa: F401  (fixture)

USERS = ["eg_ministry_editor", "eg_customs_viewer", "ma_museum_editor", "secretariat_admin"]


def _concept(label, scheme):
    return str(resolve_concept(label, scheme).pk)


def _searches():
    return [
        ("", {}), ("gold", {}), ("دينار", {}), ("manuscrit", {}), ("astrolabe mamluk", {}),
        ("", {"origin_country": ["eg"]}), ("", {"status": ["registered"], "origin_country": ["MA", "EG"]}),
        ("", {"material": [_concept("gold", "materials")]}),
        ("gold", {"material": [_concept("gold", "materials")], "origin_country": ["EG"]}),
        ("", {"period": [_concept("Mamluk", "periods")]}),
        ("", {"object_type": [_concept("coin", "object-types")]}),  # a broader concept selects dinars too
        ("", {"owning_agency": ["EG-MOA"]}), ("", {"owning_agency": ["nobody"]}),
        ("", {"material": ["999999"]}),
    ]


def _both(user, q, filters, order="relevance", monkeypatch=None):
    fast = search_objects(user, q, filters, order=order)
    with monkeypatch.context() as m:
        m.setattr(register_columns, "current", lambda: None)
        slow = search_objects(user, q, filters, order=order)
    assert fast._selection is not None and slow._selection is None
    return fast, slow


@pytest.mark.parametrize("username", [*USERS, "superuser", "anonymous", "inactive"])
def test_columns_give_what_sql_gives(users, records, username, monkeypatch):  # noqa: F811
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import AnonymousUser

    if username == "superuser":
        user = get_user_model().objects.create_superuser("root", password="x-Turath-2026")
    elif username == "anonymous":
        user = AnonymousUser()
    elif username == "inactive":  # a deactivated account of a law-enforcement agency: public only
        user = users["eg_customs_viewer"]
        user.is_active = False
        user.save()
    else:
        user = users[username]
    seen_any = False
    for q, filters in _searches():
        for order in ("relevance", "-updated", "updated", "record_number"):
            fast, slow = _both(user, q, filters, order, monkeypatch)
            expected = [o.record_number for o in slow.queryset]
            assert fast.count == slow.count == len(expected), (q, filters, order)
            got = [o.record_number for o in fast[0:fast.count]]
            if order == "relevance" and q:
                assert sorted(got) == sorted(expected), (q, filters)  # bm25 ties may order differently
            else:
                assert got == expected, (q, filters, order)
            seen_any = seen_any or bool(expected)
        assert fast.facets("fr") == slow.facets("fr"), (q, filters)
    assert seen_any


def test_pages_of_a_paginator_follow_the_order(users, records, monkeypatch):  # noqa: F811
    user = users["secretariat_admin"]
    fast, slow = _both(user, "", {}, "-updated", monkeypatch)
    pages = Paginator(fast, 2)
    walked = [o.record_number for n in pages.page_range for o in pages.page(n).object_list]
    assert walked == [o.record_number for o in slow.queryset]
    assert pages.count == 4  # the other agency's agency-only records stay hidden


def test_a_page_never_shows_a_record_the_database_now_hides(users, records):  # noqa: F811
    """The page's records are read through the permission filter again, so even columns that
    lagged behind the database could not show a record's content."""
    viewer = users["ma_museum_editor"]
    result = search_objects(viewer, "", {"origin_country": ["EG"]})
    assert {o.record_number for o in result[0:10]} == {"EG-MOA-0001", "EG-MOA-0002"}
    CulturalObject.objects.filter(record_number="EG-MOA-0002").update(sharing="agency")
    assert {o.record_number for o in result[0:10]} == {"EG-MOA-0001"}


def test_too_many_matches_to_rank_fall_back_to_newest_first(users, records, monkeypatch, client):  # noqa: F811
    user = users["secretariat_admin"]
    monkeypatch.setattr(register_search, "RANK_LIMIT", 1)
    result = search_objects(user, "gold")
    assert not result.ranked
    newest = list(CulturalObject.objects.filter(record_number__in=["EG-MOA-0001", "EG-MOA-0002"])
                  .order_by("-updated", "-pk").values_list("record_number", flat=True))
    assert [o.record_number for o in result[0:3]] == newest == [o.record_number for o in result.queryset]
    assert search_objects(user, "astrolabe").ranked  # one match: ranked
    client.force_login(user)
    monkeypatch.setattr("turath.register.views.RANK_LIMIT", 1)
    html = client.get("/objects/?q=gold", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "too many to sort by relevance" in html
    body = client.get("/api/v1/objects/?q=gold").json()
    assert body["ranked"] is False and body["count"] == 2
    assert client.get("/api/v1/objects/?q=astrolabe").json()["ranked"] is True


def test_ranking_is_decided_on_what_the_user_finds(users, records, monkeypatch):  # noqa: F811
    """Whether a page is ranked depends only on the records the user's search finds, so it says
    nothing about records the user may not see (other agencies' texts with the same words)."""
    from django.contrib.auth.models import AnonymousUser

    monkeypatch.setattr(register_search, "RANK_LIMIT", 1)
    visitor = AnonymousUser()
    gold, astrolabe = search_objects(visitor, "gold"), search_objects(visitor, "astrolabe")
    assert gold.count == astrolabe.count == 1  # «gold» also matches two records the visitor may not see
    assert gold.text_count == 3 and gold.ranked and astrolabe.ranked
    member = users["ma_museum_editor"]
    assert search_objects(member, "gold").unranked == "results"  # two found: more than the limit
    assert search_objects(member, "gold", {"material": [_concept("paper", "materials")]}).ranked  # a filter helps

    # Common words: one record found, but the words are in two records the member may see.
    monkeypatch.setattr(register_search, "RANK_LIMIT", 10)
    monkeypatch.setattr(register_search, "RANK_WORDS_LIMIT", 1)
    narrowed = search_objects(member, "gold", {"material": [_concept("paper", "materials")]})
    assert narrowed.count == 1 and narrowed.unranked == "words"
    assert search_objects(visitor, "gold").ranked  # the visitor may see only one of them


def test_the_page_says_why_it_is_not_ranked(users, records, monkeypatch, client):  # noqa: F811
    client.force_login(users["ma_museum_editor"])
    monkeypatch.setattr(register_search, "RANK_WORDS_LIMIT", 1)
    html = client.get("/objects/?q=gold&material=" + _concept("paper", "materials"),
                      HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "trop courants" in html
    body = client.get("/api/v1/objects/?q=gold&material=" + _concept("paper", "materials")).json()
    assert body["count"] == 1 and body["ranked"] is False


def test_ids_beyond_every_stored_one_match_nothing(users, records, client):  # noqa: F811
    user = users["ma_museum_editor"]
    for key in ("object_type", "period", "owning_agency", "material"):
        assert search_objects(user, "", {key: ["100000000000000"]}).count == 0, key
    client.force_login(user)
    assert client.get("/objects/?object_type=100000000000000&owning_agency=99999999999999").status_code == 200


def test_a_reload_keeps_its_lock_and_reads_each_link_once(users, records):  # noqa: F811
    from turath.register.models import CulturalObject as Record

    columns = register_columns.RegisterColumns("test")
    lock = columns.lock
    columns.refresh(shared=False)
    links = Record.materials.through.objects.count()
    assert len(columns.link_object) == links > 0
    with connection.cursor() as cursor:
        cursor.execute("UPDATE register_searchepoch SET token = 'rebuilt'")
    columns.refresh(shared=False)
    assert columns.lock is lock and len(columns.link_object) == links
    # A link moved to another record restamps both records (migration 0004).
    link = Record.materials.through.objects.filter(culturalobject__record_number="EG-MOA-0001").first()
    target = Record.objects.get(record_number="MA-MUS-0002")
    Record.materials.through.objects.filter(pk=link.pk).update(culturalobject=target)
    columns.refresh(shared=False)
    moved = columns.counts(np.array([target.pk]))["material"]
    assert moved == {link.concept_id: 1}


def test_inside_a_transaction_a_large_register_searches_in_sql(users, records, monkeypatch):  # noqa: F811
    monkeypatch.setattr(register_columns, "PRIVATE_LOAD_LIMIT", 3)
    result = search_objects(users["secretariat_admin"], "gold")
    assert result._selection is None
    assert {o.record_number for o in result[0:10]} == {"EG-MOA-0001", "EG-MOA-0002"}


# ---------------------------------------------------------------------------------------------
# Keeping up with writes: one set of columns refreshed again and again, as a server process's is.
# (A server process refreshes outside any transaction; a test runs inside one, so here the columns
# are a private instance: the stamps and the re-reading are the same.)
# ---------------------------------------------------------------------------------------------

def _record(user, number, object_type, sharing, title, materials=()):
    obj = CulturalObject.objects.create(
        record_number=number, object_type=resolve_concept(object_type, "object-types"), sharing=sharing,
        owning_agency=user.agency, title={"lang": "fr", "text": title}, origin_country="EG")
    obj.materials.set([resolve_concept(m, "materials") for m in materials])
    obj.search_text = build_search_text(obj)
    obj.save()
    return obj


def _numbers(columns, user, filters=None):
    columns.refresh(shared=False)
    selection = columns.select(user, resolve_filters(filters or {}), None)
    return set(CulturalObject.objects.filter(pk__in=selection.ids.tolist()).values_list("record_number", flat=True))


def test_columns_follow_every_write(users):
    eg, ma = users["eg_ministry_editor"], users["ma_museum_editor"]
    columns = register_columns.RegisterColumns("test")
    assert _numbers(columns, ma) == set()
    a = _record(eg, "EG-T-1", "coin", "members", "Dinar d'or", ["gold"])
    b = _record(eg, "EG-T-2", "tile", "agency", "Zellige")
    assert _numbers(columns, ma) == {"EG-T-1"}
    assert set(columns.counts(columns.select(ma, {}, None).ids)["material"]) == {resolve_concept("gold", "materials").pk}

    # Shared wider, then its material changed: both reach the other agency's view.
    CulturalObject.objects.filter(pk=b.pk).update(sharing="members")
    b.materials.set([resolve_concept("silver", "materials")])
    assert _numbers(columns, ma, {"material": [_concept("silver", "materials")]}) == {"EG-T-2"}
    assert _numbers(columns, ma, {"material": [_concept("gold", "materials")]}) == {"EG-T-1"}
    assert _numbers(columns, ma, {"status": ["registered"]}) == {"EG-T-1", "EG-T-2"}
    CulturalObject.objects.filter(pk=b.pk).update(status="reported_stolen")
    assert _numbers(columns, ma, {"status": ["registered"]}) == {"EG-T-1"}
    b.materials.clear()
    assert _numbers(columns, ma, {"material": [_concept("silver", "materials")]}) == set()

    CulturalObject.objects.filter(pk=a.pk).update(sharing="agency")  # hidden again
    assert _numbers(columns, ma) == {"EG-T-2"}
    assert _numbers(columns, eg) == {"EG-T-1", "EG-T-2"}

    b.delete()
    assert _numbers(columns, ma) == set()
    assert _numbers(columns, eg) == {"EG-T-1"}

    # A write rolled back before the next read never reaches the columns.
    with pytest.raises(RuntimeError), transaction.atomic():
        CulturalObject.objects.filter(pk=a.pk).update(sharing="public")
        raise RuntimeError
    assert _numbers(columns, ma) == set()

    # Search rows rebuilt (a new epoch): everything is read again, nothing stale remains.
    token = columns.token
    with connection.cursor() as cursor:
        cursor.execute("UPDATE register_searchepoch SET token = 'rebuilt'")
    c = _record(eg, "EG-T-3", "coin", "members", "Fals de cuivre")
    assert _numbers(columns, ma) == {"EG-T-3"}
    assert columns.token == "rebuilt" != token and c.pk > a.pk


def test_an_edited_text_is_found_by_its_new_words(users, actor, records):  # noqa: F811
    """The text index follows edits (FTS5 triggers on SQLite, the search row's stored tsvector on
    PostgreSQL), through the columns and through SQL alike."""
    from turath.register import services

    editor, viewer = users["eg_ministry_editor"], users["ma_museum_editor"]
    record = CulturalObject.objects.get(record_number="EG-MOA-0002")
    with actor(editor):
        services.update_object(editor, record, {"title": "Fals de cuivre frappé à Fustat", "language": "fr"})
    for found in (search_objects(viewer, "fustat"), search_objects(viewer, "calife")):
        assert {o.record_number for o in found[0:10]} == {o.record_number for o in found.queryset}
    assert {o.record_number for o in search_objects(viewer, "fustat")[0:10]} == {"EG-MOA-0002"}
    assert search_objects(viewer, "calife").count == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the tsvector documents are PostgreSQL's text index")
def test_postgresql_documents_are_rewritten_only_when_the_text_changes(users, records):  # noqa: F811
    """register_searchtext (migration 0005) holds one document per live record: a status change
    leaves it (and its GIN entries) untouched, a text change replaces it, a delete removes it."""
    eg, ma = users["eg_ministry_editor"], users["ma_museum_editor"]
    record = _record(eg, "EG-T-7", "coin", "members", "Dinar de Fustat")

    def text_row():
        with connection.cursor() as cursor:
            cursor.execute("SELECT ctid::text, document::text FROM register_searchtext WHERE object_id = %s",
                           [record.pk])
            return cursor.fetchone()

    version, document = text_row()
    assert "'fustat'" in document
    CulturalObject.objects.filter(pk=record.pk).update(status="reported_stolen", current_holder="Inconnu")
    assert text_row() == (version, document)
    assert {o.record_number for o in search_objects(ma, "fustat", {"status": ["reported_stolen"]})[0:5]} == {"EG-T-7"}

    record.refresh_from_db()
    record.title = {"lang": "ar", "text": "دينار الفسطاط"}
    record.search_text = build_search_text(record)
    record.save()
    new_version, new_document = text_row()
    assert new_version != version and "'fustat'" not in new_document
    assert search_objects(ma, "fustat").count == 0
    assert {o.record_number for o in search_objects(ma, "الفسطاط")[0:5]} == {"EG-T-7"}

    record.delete()
    assert text_row() is None


def _spy_on_text_matches(monkeypatch):
    """Record (table, on the main thread?, connection) for each text-match query."""
    import threading

    from django.db import connections

    calls = []
    match_table = register_search._match_table

    def spy(table, tsquery):
        calls.append((table, threading.current_thread() is threading.main_thread(), id(connections["default"])))
        return match_table(table, tsquery)

    monkeypatch.setattr(register_search, "_match_table", spy)
    return calls


def _ids(q):
    return sorted(register_search.text_match_ids(register_search.parse_query(q)).tolist())  # duplicates show


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's text partitions")
def test_postgresql_partitions_are_matched_at_once_on_their_own_connections(db, monkeypatch):
    """Outside a transaction each text partition is matched on its own connection: the first on the
    caller's, the other on a pool thread's, which reconnects once when its connection was lost. The
    pool's connections only see committed rows, and the test's records never are (the audit log
    refuses the flush a transactional test ends with), so the documents here are committed on a side
    connection, then removed."""
    from concurrent.futures import ThreadPoolExecutor

    import psycopg
    from django.db import connections

    settings = connection.settings_dict
    side = psycopg.connect(host=settings["HOST"], port=settings["PORT"], user=settings["USER"],
                           password=settings["PASSWORD"], dbname=settings["NAME"], autocommit=True)
    base = 10**12  # beyond every record id
    texts = ["dinar or fatimide", "دينار ذهبي فاطمي", "gold dinar fatimid", "zellige", "dinar d'argent",
             "مخطوط", "dinar", "lustre"]
    expected = {"dinar": [base + k for k in (0, 2, 4, 6)], "دينار": [base + 1],
                "fatimid": [base, base + 2],  # the last word is also a prefix: «fatimide»
                "zellige": [base + 3], "nothing-here": []}
    calls = _spy_on_text_matches(monkeypatch)
    outside = connections["default"]
    register_search.close_text_pool()
    # One pool thread, so that the connection lost below is the one the next match runs on.
    monkeypatch.setattr(register_search, "_text_pool", ThreadPoolExecutor(max_workers=1))
    try:
        for k, text in enumerate(texts):
            side.execute("INSERT INTO register_searchtext (object_id, document) VALUES (%s, to_tsvector('simple', %s))",
                         [base + k, text])
        parts = side.execute("SELECT tableoid::regclass::text, count(*) FROM register_searchtext "
                             "WHERE object_id >= %s GROUP BY 1", [base]).fetchall()
        assert set(dict(parts)) == set(register_search.TEXT_PARTITIONS)  # both hold documents
        with monkeypatch.context() as m:
            m.setattr(outside, "in_atomic_block", False)  # as a request outside atomic() is
            m.setattr(outside, "get_autocommit", lambda: True)
            assert {q: _ids(q) for q in expected} == expected
            on_caller = [c for c in calls if c[0] == register_search.TEXT_PARTITIONS[0]]
            on_pool = [c for c in calls if c[0] == register_search.TEXT_PARTITIONS[1]]
            assert len(on_caller) == len(on_pool) == 5 and len(calls) == 10
            assert all(main for _, main, _ in on_caller) and not any(main for _, main, _ in on_pool)
            assert {conn for *_, conn in on_caller}.isdisjoint({conn for *_, conn in on_pool})

            # The pool's connection is lost (a server restart): the next match reconnects once.
            (pooled,) = register_search._text_pool_connections
            lost = pooled.connection.info.backend_pid
            side.execute("SELECT pg_terminate_backend(%s)", [lost])
            assert _ids("dinar") == expected["dinar"]
            assert pooled.connection is not None and pooled.connection.info.backend_pid != lost

            # Autocommit switched off: this connection may hold writes, so the whole table is read here.
            calls.clear()
            m.setattr(outside, "get_autocommit", lambda: False)
            assert _ids("dinar") == expected["dinar"]
            assert calls == [("register_searchtext", True, id(outside))]
    finally:
        side.execute("DELETE FROM register_searchtext WHERE object_id >= %s", [base])
        side.close()

    pool_connections = list(register_search._text_pool_connections)
    assert pool_connections and all(w.connection is not None for w in pool_connections)
    register_search.close_text_pool()
    assert all(w.connection is None for w in pool_connections) and not register_search._text_pool_connections


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's text partitions")
def test_postgresql_a_transaction_finds_its_own_uncommitted_records_in_every_partition(users, monkeypatch):
    """Inside a transaction the whole text table is matched on the transaction's own connection:
    records it has not committed are found whichever partition they went to."""
    eg = users["eg_ministry_editor"]
    calls = _spy_on_text_matches(monkeypatch)
    made = [_record(eg, f"EG-TX-{k}", "coin", "members", f"Fals omeyyade n° {k}") for k in range(8)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT tableoid::regclass::text FROM register_searchtext WHERE object_id = ANY(%s)",
                       [[o.pk for o in made]])
        assert {row[0] for row in cursor.fetchall()} == set(register_search.TEXT_PARTITIONS)
    assert connection.in_atomic_block
    result = search_objects(eg, "omeyyade")
    assert sorted(o.pk for o in result[0:20]) == sorted(o.pk for o in made) == sorted(o.pk for o in result.queryset)
    assert calls and all(table == "register_searchtext" and main for table, main, _ in calls)


def _import_csv(user, rows):
    import csv
    import io

    from turath.register.importer import import_rows

    header = list(rows[0])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, header)
    writer.writeheader()
    writer.writerows(rows)
    buffer.seek(0)
    return import_rows(list(csv.DictReader(buffer)), user, source="test.csv")


def test_an_import_is_searchable_at_once_and_leaves_the_triggers_armed(users, records, monkeypatch):  # noqa: F811
    """A bulk import indexes its new records batch by batch (SQLite: the insert triggers stand
    aside while the import holds a BulkLoad row); the records are then found by their words, facets
    and materials through the columns and through SQL, and a record written afterwards by the
    ordinary path is indexed by the triggers again."""
    from turath.register.models import BulkLoad

    editor, viewer = users["eg_ministry_editor"], users["ma_museum_editor"]
    rows = [{"record_number": f"EG-IMP-{i:03d}", "object_type": "coin", "title": f"Dirham d'argent n° {i}",
             "language": "fr", "materials": "silver", "origin_country": "EG", "sharing": "members"}
            for i in range(1, 8)]
    rows.append({"record_number": "EG-IMP-100", "object_type": "مخطوط", "title": "مصحف شريف بخط الثلث",
                 "language": "ar", "materials": "paper", "origin_country": "EG", "sharing": "agency"})
    report = _import_csv(editor, rows)
    assert report.committed and report.created == 8, report.as_text()
    assert not BulkLoad.objects.exists()
    for q, filters, expected in [
        ("dirham", {}, {f"EG-IMP-{i:03d}" for i in range(1, 8)}),
        ("", {"material": [_concept("silver", "materials")]}, {f"EG-IMP-{i:03d}" for i in range(1, 8)}),
        ("مصحف", {}, {"EG-MOA-0001"}),  # the imported one is agency-only: not for the other agency
    ]:
        result = search_objects(viewer, q, filters)
        assert {o.record_number for o in result[0:50]} == expected == {o.record_number for o in result.queryset}
    assert {o.record_number for o in search_objects(editor, "مصحف")[0:5]} == {"EG-IMP-100", "EG-MOA-0001"}
    later = _record(editor, "EG-T-9", "coin", "members", "Dirham tardif", ["silver"])
    assert later.record_number in {o.record_number for o in search_objects(viewer, "dirham")[0:50]}


def test_a_failed_import_leaves_nothing_in_the_indexes(users, records):  # noqa: F811
    from turath.register.models import BulkLoad, SearchRow, SearchText

    editor = users["eg_ministry_editor"]
    before = SearchRow.objects.count(), SearchText.objects.count()
    rows = [{"record_number": "EG-BAD-001", "object_type": "coin", "title": "Dirham", "language": "fr",
             "origin_country": "EG"},
            {"record_number": "EG-BAD-002", "object_type": "no such type", "title": "Dirham", "language": "fr",
             "origin_country": "EG"}]
    report = _import_csv(editor, rows)
    assert not report.committed
    assert (SearchRow.objects.count(), SearchText.objects.count()) == before and not BulkLoad.objects.exists()
    assert search_objects(editor, "dirham").count == 0


def test_no_two_indexes_of_a_record_cover_the_same_columns(db):
    """Every index costs each insert (migration 0006 dropped the duplicates)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "register_culturalobject")
    covered = [tuple(c["columns"]) for c in constraints.values() if c["index"] and not c["unique"]]
    assert ("object_type_id",) in covered and ("status",) in covered
    assert len(covered) == len(set(covered)), sorted(covered)
