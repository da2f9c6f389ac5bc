"""The layers of ARCHITECTURE.md, enforced: a module may import only from its own layer and the
layers below it, and no module imports itself through others (no import cycle). Every import
counts, also those inside functions and those only for type checking."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "scoring"

# layer -> the layers it may import from (itself included)
ALLOWED = {
    "core": {"core"},
    "inputs": {"core", "inputs"},
    "excel": {"core", "excel"},
    "pipeline": {"core", "inputs", "excel", "pipeline"},
    "registry": {"core", "inputs", "registry"},
    "publish": {"core", "inputs", "registry", "publish"},
    "office": {"core", "inputs", "registry", "publish", "office"},
    "jobs": {"core", "inputs", "excel", "pipeline", "registry", "publish", "office", "jobs"},
    "cli": {"core", "inputs", "excel", "pipeline", "registry", "publish", "office", "jobs", "cli"},
}
CORE = {
    "errors",
    "fields",
    "expr",
    "formula",
    "rubric",
    "rubric_data",
    "action_kinds",
    "rules",
    "batch",
    "engine",
    "result",
    "workdays",
    "samples",
    "regions",
    "files",
    "workers",
    "tomlsafe",
    "xlsxparts",
    "__init__",
}


def layer_of(module: str) -> str:
    """`scoring.registry.ingest` -> "registry"; `scoring.engine` -> "core"."""
    parts = module.split(".")[1:] or ["__init__"]
    head = parts[0]
    if head in CORE:
        return "core"
    if head in ("validate", "pipeline"):
        return "pipeline"
    if head in ("cli", "cli_text", "cli_report", "__main__"):
        return "cli"
    if head in ALLOWED:
        return head
    raise AssertionError(f"{module}: not placed in a layer (add it to ARCHITECTURE.md and this test)")


def module_name(path: Path, root: Path = PACKAGE) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, root: Path = PACKAGE) -> list[tuple[int, str]]:
    """(line, absolute module) of every `scoring` import in a file."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            targets = [target] if node.module else [f"{target}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            continue
        out += [(node.lineno, t) for t in targets if t == "scoring" or t.startswith("scoring.")]
    return out


def violations(root: Path = PACKAGE) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        here = layer_of(module_name(path, root))
        for line, target in imports(path, root):
            there = layer_of(target)
            if there not in ALLOWED[here]:
                found.append(f"{path.relative_to(root.parent)}:{line} ({here}) imports {target} ({there})")
    return found


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """module -> the package's modules it imports (`from .x import name` counts as importing x)."""
    paths = {module_name(path, root): path for path in sorted(root.rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        graph[name] = {t if t in paths else t.rsplit(".", 1)[0] for _, t in imports(path, root)} - {name}
    return graph


def cycles(root: Path = PACKAGE) -> list[str]:
    """Every import cycle, as `a -> b -> a` (one per strongly connected group of modules)."""
    graph = import_graph(root)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group: list[str] = []
            while not group or group[-1] != node:
                group.append(stack.pop())
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [" -> ".join(_cycle_through(graph, set(group), group[0])) for group in sorted(groups)]


def _cycle_through(graph: dict[str, set[str]], group: set[str], start: str) -> list[str]:
    """One path start -> … -> start inside a strongly connected group (breadth first: a shortest)."""
    came: dict[str, str] = {}
    todo = [start]
    while todo:
        node = todo.pop(0)
        for nxt in sorted(graph[node] & group):
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(came[path[-1]])
                return [start, *reversed(path[:-1]), start]
            if nxt not in came:
                came[nxt] = node
                todo.append(nxt)
    raise AssertionError(f"{start} is in no cycle")


def test_no_lower_layer_imports_a_higher_one():
    assert violations() == []


@pytest.mark.parametrize(
    "module, source, layer",
    [
        ("engine.py", "from .excel.reader import read_raw\n", "excel"),
        ("registry/ingest.py", "def f():\n    from ..pipeline import score_rows\n", "pipeline"),
        ("publish/pages.py", "from scoring.excel import template\n", "excel"),
        ("registry/db.py", "from ..jobs import publish\n", "jobs"),
    ],
)
def test_the_check_sees_a_forbidden_import(tmp_path, module, source, layer):
    """The checker itself: a copy of the package with one forbidden import added fails."""
    import shutil

    copy = tmp_path / "scoring"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.yaml", "*.sql"))
    target = copy / module
    target.write_text(target.read_text(encoding="utf-8") + "\n" + source, encoding="utf-8")
    found = violations(copy)
    assert len(found) == 1 and f"({layer})" in found[0] and module in found[0]


def test_no_import_cycle():
    """The rubric's data (rubric_data) does not import the rule kinds that interpret it; the loader
    (rubric) is above both. No other module reaches itself either."""
    assert cycles() == []


@pytest.mark.parametrize(
    "module, source, cycle",
    [
        ("rubric_data.py", "def f():\n    from .rules import RULES\n", "scoring.rubric_data -> scoring.rules -> scoring.rubric_data"),
        ("expr.py", "from .fields import EPOCH\n", "scoring.expr -> scoring.fields -> scoring.expr"),
        (
            "formula.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .rubric import Rubric\n",
            "scoring.formula -> scoring.rubric -> scoring.rules -> scoring.formula",
        ),
    ],
)
def test_the_check_sees_an_injected_cycle(tmp_path, module, source, cycle):
    """The checker itself: a copy of the package with one import that closes a cycle fails, naming it."""
    import shutil

    copy = tmp_path / "scoring"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.yaml", "*.sql"))
    target = copy / module
    target.write_text(target.read_text(encoding="utf-8") + "\n" + source, encoding="utf-8")
    found = cycles(copy)
    assert len(found) == 1 and set(cycle.split(" -> ")) <= set(found[0].split(" -> "))


# --- SQL belongs to the registry --------------------------------------------------------------------

SQL_CALLS = {"execute", "executemany", "executescript"}


def sql_outside_registry(root: Path = PACKAGE) -> list[str]:
    """Every call of a cursor's or connection's execute*, and every sqlite3.connect, outside
    scoring/registry/: other layers call registry functions."""
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if rel.parts[0] == "registry":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                name = node.func.attr
                owner = node.func.value
                if name in SQL_CALLS or (name == "connect" and isinstance(owner, ast.Name) and owner.id == "sqlite3"):
                    found.append(f"{root.name}/{rel}:{node.lineno} {name}")
    return found


def test_no_sql_outside_the_registry():
    assert sql_outside_registry() == []


@pytest.mark.parametrize(
    "module, source",
    [
        ("publish/pages.py", "def f(con):\n    return con.execute('SELECT 1')\n"),
        ("jobs.py", "def f(con, rows):\n    con.executemany('INSERT INTO x VALUES (?)', rows)\n"),
        ("cli.py", "import sqlite3\ndef f(p):\n    return sqlite3.connect(p)\n"),
        ("office/content.py", "def f(con):\n    con.executescript('DELETE FROM x')\n"),
    ],
)
def test_the_check_sees_sql_outside_the_registry(tmp_path, module, source):
    import shutil

    copy = tmp_path / "scoring"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.yaml", "*.sql"))
    target = copy / module
    target.write_text(target.read_text(encoding="utf-8") + "\n" + source, encoding="utf-8")
    found = sql_outside_registry(copy)
    assert len(found) == 1 and module in found[0]
