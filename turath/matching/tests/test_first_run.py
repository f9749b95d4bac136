"""A first run serves at once: the index is built by the background worker after the server starts;
the health endpoint and checks say how far it has got, and a check made meanwhile answers from
what is indexed (the web process picks up what the worker flushed)."""

import pytest
from django.core.management import call_command
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from turath.matching import index, services, tasks
from turath.register.images import add_image
from turath.register.tests.factories import make_object
from turath_engine import Engine

from .test_check import engine_dir, jpeg, phone_shot, photo, register  # noqa: F401 (fixtures)


@pytest.fixture(autouse=True)
def _english_afterwards():
    """Requests in ar/fr leave their language active in the thread; later tests expect English."""
    yield
    translation.activate("en")


def _queued():
    return list(DBTaskResult.objects.filter(status="READY").values_list("task_path", flat=True))


def test_background_reindex_is_queued_not_run_and_resumes(users, actor, engine_dir):  # noqa: F811
    ma = users["ma_museum_editor"]
    cup = make_object(ma, "MA-MUS-0101", title="Tasse de café", lang="fr", object_type="cup")
    with actor(ma):
        add_image(ma, cup, jpeg(photo("coffee")), "coffee.jpg")
    DBTaskResult.objects.all().delete()
    call_command("matching", "reindex", "--if-empty", "--background")
    assert _queued() == ["turath.matching.tasks.reindex_task"]  # queued for the worker ...
    assert index.indexed_counts() == {"images": 0, "texts": 0}  # ... and nothing indexed on the way
    assert index.status()["building"] is True

    tasks.reindex_task.call(only_missing=True)  # what the worker runs
    assert index.indexed_counts() == {"images": 1, "texts": 1}
    DBTaskResult.objects.all().delete()
    call_command("matching", "reindex", "--if-empty", "--background")
    assert _queued() == []  # complete: a second `make run` queues nothing
    # A job left "running" by a stopped server is not counted as building for ever.
    DBTaskResult.objects.create(task_path="turath.matching.tasks.reindex_task", status="RUNNING",
                                args_kwargs={"args": [], "kwargs": {}}, backend_name="default",
                                queue_name="default", run_after="2026-01-01T00:00Z")
    with actor(ma):
        add_image(ma, cup, jpeg(photo("chelsea")), "second.jpg")
    call_command("matching", "reindex", "--if-empty", "--background")
    assert not DBTaskResult.objects.filter(status="RUNNING").exists()
    assert _queued() == ["turath.matching.tasks.reindex_task"]
    report = index.reindex(only_missing=True)
    assert report["images"] == 1 and report["texts"] == 0  # only the new photograph is fingerprinted


def test_healthz_says_how_far_the_index_has_got(client, users, actor, engine_dir):  # noqa: F811
    ma = users["ma_museum_editor"]
    cup = make_object(ma, "MA-MUS-0102", title="Tasse de café", lang="fr", object_type="cup")
    with actor(ma):
        add_image(ma, cup, jpeg(photo("coffee")), "coffee.jpg")
        add_image(ma, cup, jpeg(photo("chelsea")), "cat.jpg")
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["index"]["images"] == 0 and body["index"]["total_images"] == 2
    assert body["index"]["state"] == "incomplete"  # nothing queued (tests run no on-commit hooks)
    call_command("matching", "reindex", "--if-empty", "--background")
    assert client.get("/healthz").json()["index"]["state"] == "building"
    assert body["index"]["message"] == "index: 0 of 2 images"
    body = client.get("/healthz", HTTP_ACCEPT_LANGUAGE="fr").json()
    assert body["index"]["message"] == "index : 0 images sur 2"
    tasks.reindex_task.call()
    DBTaskResult.objects.all().delete()
    body = client.get("/healthz").json()
    assert body["index"]["state"] == "ready" and body["index"]["images"] == 2


def test_web_process_sees_what_the_worker_indexed(users, register, engine_dir, monkeypatch):  # noqa: F811
    """The server's engine is opened once; the worker (another process, another Engine) adds a
    record: the next check finds it without restarting the server."""
    monkeypatch.setattr(index, "RELOAD_CHECK_SECONDS", 0)
    viewer = users["ma_museum_viewer"]
    services.check_object(viewer, [], "tasse")  # the web process opens its engine
    ma = users["ma_museum_editor"]
    rocket = make_object(ma, "MA-MUS-0103", title="Fusée", lang="fr", object_type="cup", sharing="agency")
    with actor_of(ma, users):
        add_image(ma, rocket, jpeg(photo("rocket")), "rocket.jpg")
    worker_engine = Engine.open(str(engine_dir))
    index.index_object(rocket, worker_engine)
    worker_engine.close()
    outcome = services.check_object(viewer, [("shot.jpg", phone_shot(photo("rocket")))])
    assert outcome.candidates and outcome.candidates[0].object == rocket


def actor_of(user, users):
    from turath.core.context import acting_as

    return acting_as(user, via="test")


def test_check_during_indexing_answers_and_says_so(client, users, register):  # noqa: F811
    ma = users["ma_museum_editor"]
    later = make_object(ma, "MA-MUS-0104", title="Autre tasse", lang="fr", object_type="cup")
    with actor_of(ma, users):
        add_image(ma, later, jpeg(photo("astronaut")), "later.jpg")  # queued, not yet indexed
    outcome = services.check_object(users["ma_museum_viewer"], [("shot.jpg", phone_shot(photo("coffee")))])
    assert outcome.candidates[0].object == register["coffee"]
    assert "index_partial" in outcome.flags and outcome.index_state["images"] == 3
    assert outcome.index_state["total_images"] == 4
    client.force_login(users["ma_museum_viewer"])
    html = client.post("/check/", {"words": "tasse"}, HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "<bdi>3</bdi>" in html and "<bdi>4</bdi>" in html
    DBTaskResult.objects.all().delete()
    index.index_object(later)
    outcome = services.check_object(users["ma_museum_viewer"], [("shot.jpg", phone_shot(photo("coffee")))])
    assert "index_partial" not in outcome.flags and outcome.index_state is None


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_check_page_shows_index_progress_translated(client, users, register, lang):  # noqa: F811
    ma = users["ma_museum_editor"]
    later = make_object(ma, "MA-MUS-0105", title="Autre tasse", lang="fr", object_type="cup")
    with actor_of(ma, users):
        add_image(ma, later, jpeg(photo("astronaut")), "later.jpg")
    client.force_login(users["ma_museum_viewer"])
    html = client.get("/check/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    assert 'id="index-progress"' in html and "<bdi>3</bdi>" in html
    assert "index: " not in html  # translated


def test_a_reader_never_finds_the_index_out_of_date_while_it_is_built(users, register, tmp_path):  # noqa: F811
    """The web server opens the index while the worker builds it: at every step of a build the
    database and the files agree (before: each text committed at once and its file lagged until the
    batch's flush, so the server found the index "out of date" and could not answer)."""
    writer = Engine.create(str(tmp_path / "built"))
    seen = []

    def open_a_reader():
        reader = Engine.open(str(tmp_path / "built"))  # raises IndexCorruptError when out of date
        seen.append((len(reader), reader.stats()["texts"]))
        reader.close()

    for name in ("add_text", "add_fingerprint"):
        real = getattr(writer, name)

        def step(*args, _real=real, **kwargs):
            out = _real(*args, **kwargs)
            open_a_reader()
            return out

        setattr(writer, name, step)
    report = index.reindex(writer, batch=2, workers=1)
    open_a_reader()
    writer.close()
    assert seen[-1] == (3, 3) and len(seen) == 7, (seen, report)
