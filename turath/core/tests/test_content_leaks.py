"""No response names a record its reader may not see (issue 13, item 8).

Status codes are tested elsewhere; this test reads bodies. Both sides are generated, so a new model
or URL is covered without new test code:
- what must not appear: for every model with a `permission_q`, the records outside
  `restrict(user, "view")`, each by its identifying strings (record numbers, case numbers, unique
  references and UIDs, titles and names);
- where it must not appear: every GET page of the URL resolver without parameters; every page whose
  parameters name a field (`record_number`, `agency_code`, `key`, …) for each value the user may
  see; every API detail under a list, for each record of that list; every link of every page and
  every URL of every JSON body, followed (pages, API, feeds, exports).
"""

import html
import io
import json
import re
from collections import Counter, defaultdict

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from turath.core.permissions import RestrictedQuerySet
from turath.core.tests.visibility_world import build

pytestmark = [pytest.mark.django_db]

READERS = (None, "eg_customs_viewer", "eg_ministry_contributor", "ma_police_editor", "ma_museum_viewer",
           "secretariat_admin")
# Not pages of the register: Django's admin, the language switch, logging out, the OpenAPI document
# (it describes endpoints, never records).
SKIP_PREFIXES = ("/admin/", "/i18n/", "/accounts/logout/", "/api/v1/openapi.json", "/static/")
MAX_VARIANTS_PER_PATH = 3  # a list's pages and filters: a few query strings per path are enough
# Pages of one shape (digits aside): more than the world's records of any model, fewer than the
# thesaurus's hundreds of concepts, which are reference data, not records.
MAX_PER_SHAPE = 30
MAX_REQUESTS = 900
PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def permissioned_models():
    return [m for m in apps.get_models() if hasattr(m, "permission_q")
            and isinstance(m._default_manager.all(), RestrictedQuerySet)]


def _texts(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, v in value.items():
            if key in ("text", "tr") or isinstance(v, dict):
                yield from _texts(v)
    elif isinstance(value, list):
        for v in value:
            yield from _texts(v)


def identifiers(instance) -> set[str]:
    """The strings that name a record: its number, unique references and UIDs, titles and names,
    and its own `__str__` (e.g. a location's «facility:B1/R2/S3»)."""
    out = set()
    for f in instance._meta.concrete_fields:
        if f.primary_key:
            continue
        value = getattr(instance, f.attname)
        naming = f.name in ("title", "name") or f.name.startswith(("name_", "title_"))
        if isinstance(f, (models.CharField, models.UUIDField)) and (f.unique or naming) and value:
            out.add(str(value))
        elif isinstance(f, models.JSONField) and naming:
            out.update(_texts(value))
    number = getattr(instance, "number", None)
    if isinstance(number, str):
        out.add(number)
    if type(instance).__str__ is not models.Model.__str__:  # the model's own name for a record
        out.add(str(instance))
    return {s for s in out if len(s) >= 6}


def hidden_identifiers(user) -> dict[str, str]:
    """{identifying string: the record it names} for every record `user` may not see, less any
    string that also names a record the user may see."""
    hidden, shown = {}, set()
    for model in permissioned_models():
        visible = set(model._default_manager.restrict(user, "view").values_list("pk", flat=True))
        for instance in model._default_manager.all():
            ids = identifiers(instance)
            if instance.pk in visible:
                shown |= ids
            else:
                hidden.update({s: f"{model.__name__} {instance.pk}" for s in ids})
    return {s: r for s, r in hidden.items() if s not in shown}


def routes():
    """(route with <converter:name> parameters) of every URL pattern, from the resolver."""
    def walk(patterns, prefix):
        for p in patterns:
            pattern = p.pattern
            text = str(pattern)
            if pattern.__class__.__name__ == "RegexPattern":
                text = text.lstrip("^").rstrip("$")
                if any(c in text for c in "()[]\\*+?"):
                    continue  # a pattern with groups: reached through links
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + text)
            elif isinstance(p, URLPattern):
                yield prefix + text
    return sorted(set(walk(get_resolver().url_patterns, "/")))


def field_values(user, names) -> dict[str, list[str]]:
    """For each parameter name, the values of the field of that name (or `<model>_<field>`) the user
    may see: `record_number` → visible record numbers, `agency_code` → agency codes, …"""
    pool = defaultdict(list)
    permissioned = permissioned_models()
    for model in apps.get_models():
        manager = model._default_manager
        qs = manager.restrict(user, "view") if model in permissioned else manager.all()
        for f in model._meta.concrete_fields:
            for name in (f.name, f"{model._meta.model_name}_{f.name}"):
                if name in names and name not in ("pk", "id") and not f.primary_key:
                    pool[name] += [str(v) for v in qs.values_list(f.attname, flat=True)[:60] if v not in (None, "")]
    return pool


def _links(body: str, content_type: str) -> set[str]:
    out = set()
    if "json" in content_type:
        try:
            data = json.loads(body)
        except ValueError:
            return out
        stack = [data]
        while stack:
            v = stack.pop()
            if isinstance(v, dict):
                stack += v.values()
            elif isinstance(v, list):
                stack += v
            elif isinstance(v, str) and (v.startswith("http://testserver/") or v.startswith("/api/v1/")):
                out.add(v.removeprefix("http://testserver"))
    elif "html" in content_type or "xml" in content_type:
        out = {html.unescape(h) for h in re.findall(r'href="(/[^"#]*)', body)}
    return out


def _list_values(body: str, param: str) -> list[str]:
    try:
        data = json.loads(body)
    except ValueError:
        return []
    rows = data.get("results", []) if isinstance(data, dict) else data if isinstance(data, list) else []
    out = []
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict):
            value = next((row[k] for k in (param, "id", "record_number", "code", "key", "uid") if row.get(k)), None)
            if value is not None:
                out.append(str(value))
    return out


def read_everything(client, user, headers) -> dict[str, tuple[str, str]]:
    """GET every reachable URL as `user`: {url: (content type, body)} of the 200 answers."""
    bodies: dict[str, tuple[str, str]] = {}
    seen, variants, shapes = set(), Counter(), Counter()
    queue: list[str] = []

    def push(url):
        path = url.split("?")[0]
        shape = re.sub(r"\d+", "N", path)
        if (url in seen or url.startswith(SKIP_PREFIXES) or shapes[shape] >= MAX_PER_SHAPE
                or ("?" in url and variants[path] >= MAX_VARIANTS_PER_PATH)):
            return
        seen.add(url)
        variants[path] += "?" in url
        shapes[shape] += "?" not in url
        queue.append(url)

    def get(url):
        response = client.get(url, **headers)
        if response.status_code != 200:
            return None
        content_type = response.get("Content-Type", "")
        if content_type.startswith(("image/", "application/octet-stream")):
            return None
        raw = b"".join(response.streaming_content) if response.streaming else response.content
        body = raw.decode("utf-8", "replace")
        bodies[url] = (content_type, body)
        return body

    all_routes = routes()
    params = {name for r in all_routes for _, name in PARAM.findall(r)}
    pool = field_values(user, params)
    # Parameter-less routes first: their bodies give the API detail values.
    for r in all_routes:
        if not PARAM.search(r):
            push(r)
    while queue and len(seen) < MAX_REQUESTS:
        url = queue.pop(0)
        body = get(url)
        if body is None:
            continue
        content_type = bodies[url][0]
        for link in _links(body, content_type):
            push(link)
        path = url.split("?")[0]
        for r in all_routes:  # routes one parameter below this one: details of what it lists
            m = PARAM.search(r)
            if m and r.startswith(path) and PARAM.search(r[:m.start()]) is None and r[:m.start()] == path:
                name = m.group(2)
                values = pool.get(name) or _list_values(body, name)
                for value in values:
                    candidate = PARAM.sub(lambda _m, v=value: v, r, count=1)
                    if not PARAM.search(candidate):
                        push(candidate)
    # Routes whose parameters all name fields: every value the user may see.
    for r in all_routes:
        names = [n for _, n in PARAM.findall(r)]
        if names and len(names) == 1 and pool.get(names[0]):
            for value in pool[names[0]]:
                push(PARAM.sub(lambda _m, v=value: v, r))
    while queue and len(seen) < MAX_REQUESTS:
        get(queue.pop(0))
    return bodies


def _forms(s: str) -> set[str]:
    """The ways a string may be written in a body: as is, HTML/XML-escaped, JSON-escaped."""
    return {s, html.escape(s), html.escape(s, quote=False), json.dumps(s)[1:-1], json.dumps(s, ensure_ascii=False)[1:-1]}


@pytest.fixture
def world(users, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        return build(users)


@pytest.mark.parametrize("reader", READERS)
def test_no_body_names_a_record_its_reader_may_not_see(users, world, reader):
    user = users[reader] if reader else AnonymousUser()
    hidden = hidden_identifiers(user)
    # The world holds what the probe found: the test must know these are hidden from outsiders.
    if reader in ("eg_customs_viewer", "ma_museum_viewer", None):
        assert world["late"].object.record_number in hidden and world["secret_candidate"].record_number in hidden
        assert world["found"].record_number in hidden and world["entry"].entry_number in hidden
    client = Client()
    headers = {}
    if reader:
        client.force_login(user)
    bodies = read_everything(client, user, headers)
    if reader:  # exports are made on the command line, as a user
        from turath.register.exporter import FORMATS

        for fmt in FORMATS:
            out = io.StringIO()
            call_command("export_objects", user=user.username, format=fmt, stdout=out)
            bodies[f"export --format {fmt}"] = ("text/plain", out.getvalue())
    assert len(bodies) > 10
    if reader:
        assert any(u.startswith("/api/v1/") for u in bodies) and any(u.startswith("/cases/") for u in bodies)
    leaks = []
    for url, (_, body) in bodies.items():
        for s, record in hidden.items():
            if any(form in body for form in _forms(s)):
                leaks.append(f"{url}: «{s}» ({record})")
    assert not leaks, "\n".join(leaks[:40])
