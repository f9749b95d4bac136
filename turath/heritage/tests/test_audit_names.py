"""Every audit action heritage writes is named in the scheme `app.model.verb` (core.audit_names)."""

import ast
from pathlib import Path

from turath.core.audit_names import in_scheme
from turath.heritage import services

HERITAGE = Path(services.__file__).parent.parent


def _written_actions() -> set[str]:
    """The first argument of every audit.record(...) call in heritage's code; an f-string
    `heritage.nomination.{action}` stands for each step of the procedure's table."""
    names = set()
    for path in HERITAGE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "record"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "audit" and node.args):
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant):
                names.add(first.value)
            elif isinstance(first, ast.JoinedStr):
                prefix = "".join(v.value for v in first.values if isinstance(v, ast.Constant))
                names |= {prefix + step for step in services.TRANSITIONS}
            else:
                raise AssertionError(f"{path}:{node.lineno}: an audit action that cannot be read from the code")
    return names


def test_heritage_audit_actions_are_in_the_scheme():
    names = _written_actions()
    assert {"heritage.place.create", "heritage.nomination.submit", "heritage.danger.enter"} <= names
    assert "heritage.inscription.create" in names
    assert sorted(n for n in names if not in_scheme(n)) == []
