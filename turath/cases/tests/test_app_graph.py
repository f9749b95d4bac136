"""The apps' import graph has one direction: custody builds on cases, cases and matching on the register,
and matching imports nothing of cases. Cross-app events are signals (cases.signals, matching.signals) and
cases' pages ask providers (cases.providers). Every import counts, at module level and inside functions."""

import ast
from pathlib import Path

import turath

ROOT = Path(turath.__file__).parent


def imported_apps(app: str, root: Path = ROOT) -> dict[str, set[str]]:
    """{module path: the turath apps it imports}, tests left out (they drive several apps at once)."""
    out = {}
    for path in sorted((root / app).rglob("*.py")):
        if "tests" in path.relative_to(root).parts:
            continue
        package = [app, *path.relative_to(root / app).parent.parts]
        apps = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: resolved inside the package
                    base = package[:len(package) - node.level + 1]
                    names = [".".join(["turath", *base, *([node.module] if node.module else [])])]
                else:
                    names = [node.module or ""]
            apps |= {name.split(".")[1] for name in names if name.startswith("turath.") and name.count(".")}
        out[str(path.relative_to(root))] = apps - {app}
    return out


def importers(app: str, of: str) -> list[str]:
    return sorted(module for module, apps in imported_apps(app).items() if of in apps)


def test_custody_builds_on_cases_and_cases_imports_no_custody_module():
    assert importers("custody", "cases"), "custody builds on cases (a seizure's entry, a restitution's exit)"
    assert importers("cases", "custody") == []


def test_matching_imports_nothing_of_cases():
    assert importers("matching", "cases") == []


def test_the_scan_sees_imports_inside_functions_and_relative_ones(tmp_path):
    (tmp_path / "cases" / "services").mkdir(parents=True)
    (tmp_path / "cases" / "services" / "restitution.py").write_text(
        "def handover():\n    from turath.custody import services\n")
    (tmp_path / "cases" / "timeline.py").write_text("from ..custody.models import Holding\n")
    (tmp_path / "cases" / "feeds.py").write_text("from . import models\nfrom turath.core import audit\n")
    assert imported_apps("cases", tmp_path) == {"cases/services/restitution.py": {"custody"},
                                                "cases/timeline.py": {"custody"}, "cases/feeds.py": {"core"}}
