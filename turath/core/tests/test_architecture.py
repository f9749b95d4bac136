"""The shape of the code, read from its source: which app imports which.

Every module under turath/ (tests and migrations aside) is parsed, and each `import` — at module
level and inside functions alike, since a lazy import is still a dependency — becomes an edge.
The apps (packages with an apps.py) must form a graph without cycle, with core at the bottom
importing none of them; inside an app, the modules imported when a module loads must not form a
cycle either; and a model states its own permission rule (core/permissions.py calls
`permission_q`), so no app's models import its services.
"""

import ast
from itertools import pairwise
from pathlib import Path

import turath

ROOT = Path(turath.__file__).parent
APPS = frozenset(p.parent.name for p in ROOT.glob("*/apps.py"))

def _modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        if "tests" in parts or "migrations" in parts or parts[-1].startswith("test_"):
            continue
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> list[tuple[str, bool, int]]:
    """(imported module, whether it is imported when the module loads, line) for each import."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []

    def visit(node, at_load: bool):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                found.extend((alias.name, at_load, child.lineno) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")[: len(package.split(".")) - child.level + 1]
                    module = ".".join(base + ([child.module] if child.module else []))
                else:
                    module = child.module
                for alias in child.names:  # `from pkg import mod` imports the module pkg.mod
                    sub = f"{module}.{alias.name}"
                    found.append((sub if sub in MODULES else module, at_load, child.lineno))
            visit(child, at_load and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    visit(ast.parse(path.read_text(encoding="utf-8")), True)
    return found


def _known(module: str) -> str | None:
    """The module of ours an import names (an imported name resolves to its module)."""
    while module and module not in MODULES:
        module = module.rpartition(".")[0]
    return module or None


def _app(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "turath" and parts[1] in APPS else None


IMPORTS = {name: _imports(name, path) for name, path in MODULES.items()}


def _app_edges() -> dict[tuple[str, str], list[str]]:
    edges: dict[tuple[str, str], list[str]] = {}
    for name, imports in IMPORTS.items():
        source = _app(name)
        for module, _at_load, line in imports:
            target = _app(module)
            if source and target and source != target:
                edges.setdefault((source, target), []).append(f"{name}:{line}")
    return edges


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the directed graph as a path [a, b, …, a], or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node):
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def _describe(cycle: list[str], where: dict[tuple[str, str], list[str]]) -> str:
    return "\n".join(f"  {a} -> {b}: {', '.join(where.get((a, b), [])[:4])}" for a, b in pairwise(cycle))


def test_the_scan_sees_imports_at_load_and_inside_functions():
    assert {"core", "register", "heritage"} <= APPS
    imports = {(module, at_load) for module, at_load, _line in IMPORTS["turath.heritage.views"]}
    assert ("turath.heritage.models", True) in imports
    assert ("turath.core.permissions", True) in imports
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycle(graph) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_the_apps_form_a_graph_without_cycle():
    edges = _app_edges()
    graph: dict[str, set[str]] = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
    cycle = _cycle(graph)
    assert cycle is None, "the apps import each other in a cycle:\n" + _describe(cycle, edges)


def test_core_imports_no_app():
    edges = _app_edges()
    from_core = {f"core -> {b}: {', '.join(w)}" for (a, b), w in edges.items() if a == "core"}
    assert not from_core, "core sits below every app and imports none:\n" + "\n".join(sorted(from_core))


def test_no_import_cycle_inside_an_app_when_its_modules_load():
    graph: dict[str, set[str]] = {}
    where: dict[tuple[str, str], list[str]] = {}
    for name, imports in IMPORTS.items():
        for module, at_load, line in imports:
            target = _known(module)
            if at_load and target and target != name and _app(name) and _app(name) == _app(target):
                graph.setdefault(name, set()).add(target)
                where.setdefault((name, target), []).append(f"line {line}")
    cycle = _cycle(graph)
    assert cycle is None, "modules of one app import each other in a cycle:\n" + _describe(cycle, where)


def test_models_do_not_import_their_services():
    """The permission rule is the model's permission_q; models never reach up into services."""
    offending = sorted({
        f"{name}:{line} imports {module}"
        for name, imports in IMPORTS.items() if name.endswith(".models") or ".models." in name
        for module, _at_load, line in imports
        if _app(module) == _app(name) and (_known(module) or "").split(".")[2:3] == ["services"]
    })
    assert not offending, "\n".join(offending)


LONGEST_MODULE = 750  # lines


def test_no_module_grows_back_into_several_subjects():
    """cases/services.py (1,280 lines), turath_engine/engine.py (1,210), register/demo.py (1,182) and
    register/importer.py (981) each held several subjects and were split, one subject a module. A
    module past this length has, every time so far, been several subjects again: split it."""
    long = []
    for root in (ROOT, ROOT.parent / "turath_engine"):
        for path in root.rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > LONGEST_MODULE:
                long.append(f"{path.relative_to(ROOT.parent)}: {lines} lines")
    assert not long, "split by subject:\n" + "\n".join(sorted(long))
