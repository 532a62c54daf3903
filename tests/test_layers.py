"""The package's imports point down its layers, and no two modules import each other.

Every `import` of every module in `support_agent/` counts: top-level ones,
function-level (lazy) ones and `if TYPE_CHECKING:` ones alike. A lazy or
type-only import still says "this module knows that one"; letting them point up
would hide the circles this test is here to keep out. Run it alone with
`.venv/bin/python -m pytest tests/test_layers.py`.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "support_agent"

# The layers, top first. A module may import its own layer or any layer below.
# Each entry is a module or a package prefix; the longest matching prefix wins.
# Every folder of the package is named here: a new one must say where it sits.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("face", ("support_agent.ui", "support_agent.cli", "support_agent.__main__",
              "support_agent.scenario_cli", "support_agent.server_graphs")),
    ("service", ("support_agent.service",)),
    ("features", ("support_agent.features", "support_agent")),
    ("workflows", ("support_agent.workflows",)),
    ("core", ("support_agent.core",)),
    ("models", ("support_agent.models",)),
    ("offline model", ("support_agent.offline",)),
    ("store", ("support_agent.store",)),
    ("plain helpers", ("support_agent.base",)),  # import nothing of ours
]  # fmt: skip


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that `name` imports, anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import mod` imports the module pkg.mod when there is one.
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in known:  # `import a.b.c` of a name inside a module
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def layer(name: str) -> int:
    """The layer's rank (0 is the top) of the longest prefix naming `name`."""
    best, rank = -1, None
    for index, (_title, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), index
    assert rank is not None, name
    return rank


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports(name, path, set(found)) for name, path in found.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every group of modules that import each other round (Tarjan's components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def upward(edges: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{name} ({LAYERS[layer(name)][0]}) imports {target} ({LAYERS[layer(target)][0]})"
        for name, targets in edges.items()
        for target in targets
        if layer(target) < layer(name)
    )


def test_no_module_imports_itself_round_a_circle():
    assert cycles(graph()) == []


def test_every_import_points_down_the_layers():
    assert upward(graph()) == []


def test_every_folder_says_what_lives_there():
    silent = [
        str(init.relative_to(PACKAGE.parent))
        for init in sorted(PACKAGE.rglob("__init__.py"))
        if not ast.get_docstring(ast.parse(init.read_text()))
    ]
    assert silent == []


def test_no_two_modules_or_folders_share_a_name():
    names: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*")):
        if path.name in {"__init__.py", "__main__.py", "__pycache__", "data"}:
            continue
        if path.suffix == ".py" or (path.is_dir() and (path / "__init__.py").exists()):
            names.setdefault(path.stem, []).append(str(path.relative_to(PACKAGE.parent)))
    assert {name: where for name, where in names.items() if len(where) > 1} == {}


def test_no_test_file_imports_another():
    """Shared helpers live in tests/helpers.py, tests/browser.py and conftest.py."""
    tests = Path(__file__).resolve().parent
    crossing = []
    for path in sorted(tests.rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            crossing += [f"{path.name} imports {n}" for n in names
                         if n.split(".")[-1].startswith("test_")]  # fmt: skip
    assert crossing == []


def test_test_folders_mirror_the_package():
    """A test lives in the folder of the layer it tests (tests/core/ for support_agent/core/);
    only the tests of the whole (layers, function length, properties, the CLI, the bench) sit
    at the top."""
    tests = Path(__file__).resolve().parent
    folders = {p.parent.name for p in tests.rglob("test_*.py") if p.parent != tests}
    assert folders and {f for f in folders if not (PACKAGE / f).is_dir()} == set()
    top = sorted(p.name for p in tests.glob("test_*.py"))
    whole = ["test_bench_reference.py", "test_cli.py", "test_function_length.py", "test_layers.py"]
    assert top == [*whole, "test_properties.py"]


if __name__ == "__main__":  # a report for people: `python tests/test_layers.py`
    edges = graph()
    print(*cycles(edges), sep="\n")
    print(*upward(edges), sep="\n")
