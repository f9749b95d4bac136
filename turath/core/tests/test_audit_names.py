"""Audit action names: one scheme (app.model.verb), enforced when written, old names read as new."""

import ast
import pathlib

import pytest

from turath.core import audit
from turath.core.audit_names import LEGACY, SCHEME, canonical, in_scheme, names_of
from turath.core.models import AuditEntry

ROOT = pathlib.Path(__file__).resolve().parents[2]  # the turath package


def test_every_old_name_maps_into_the_scheme():
    assert LEGACY, "the map of old names is the only way old entries are read"
    for old, new in LEGACY.items():
        assert SCHEME.match(new), (old, new)
        assert not in_scheme(old), old  # an old name is never written again


def test_old_names_read_under_their_new_name():
    assert canonical("status_change") == "register.object.change_status"
    assert canonical("seizure_publish") == "cases.seizure.publish"
    assert canonical("cases.seizure.publish") == "cases.seizure.publish"
    assert names_of("seizure_publish") == ["cases.seizure.publish", "seizure_publish"]
    assert names_of("register.object.view") == ["register.object.view", "view"]


@pytest.mark.django_db
def test_record_refuses_a_name_outside_the_scheme():
    before = AuditEntry.objects.count()
    for bad in ("update", "seizure_publish", "register.update", "Register.Object.Update", "a.b.c.d", ""):
        with pytest.raises(ValueError):
            audit.record(bad, object_type="register.culturalobject", object_id="1")
    assert AuditEntry.objects.count() == before
    audit.record("register.object.update", object_type="register.culturalobject", object_id="1")
    assert AuditEntry.objects.order_by("-seq").first().action == "register.object.update"


def _record_calls():
    """(file, line, first argument, the module's dicts of names) of every audit.record(...) call in
    the code (tests excluded)."""
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        tables = {target.id: node.value for node in tree.body if isinstance(node, ast.Assign)
                  for target in node.targets if isinstance(target, ast.Name) and isinstance(node.value, ast.Dict)}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "record"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "audit" and node.args):
                yield path.relative_to(ROOT), node.lineno, node.args[0], tables


def test_every_action_the_code_writes_is_in_the_scheme():
    """Checked in the source, so an action no test happens to exercise is covered too."""
    calls = list(_record_calls())
    assert len(calls) > 50
    bad = []
    for path, line, arg, tables in calls:
        if isinstance(arg, ast.Subscript) and isinstance(arg.value, ast.Name) and arg.value.id in tables:
            names = tables[arg.value.id].values  # TRANSFER_ACTIONS[kind]: every name the table holds
            ok = all(isinstance(n, ast.Constant) and in_scheme(n.value) for n in names) and bool(names)
        elif isinstance(arg, ast.Constant):
            ok = isinstance(arg.value, str) and in_scheme(arg.value)
        elif isinstance(arg, ast.JoinedStr):  # f"heritage.nomination.{step}": the fixed part names app and model
            head = arg.values[0]
            ok = (isinstance(head, ast.Constant) and head.value.count(".") == 2 and head.value.endswith(".")
                  and SCHEME.match(head.value + "verb") is not None)
        else:
            ok = False
        if not ok:
            bad.append(f"{path}:{line}: {ast.unparse(arg)}")
    assert not bad, "audit actions outside app.model.verb:\n" + "\n".join(bad)
