"""The packages import each other in one direction, with no circles, and the ground floor
(``stores.infra``) imports no domain code. Runtime imports only: module level and inside
functions; an ``if TYPE_CHECKING:`` import is a type annotation, not an arrow."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

from stores.infra.settings import REPO_ROOT

PACKAGES = ("api", "catalog", "stores", "routing")
#: Where each room may point (itself included). Nothing imports ``api``.
ALLOWED = {
    "api": {"api", "catalog", "stores", "stores.infra", "routing"},
    "catalog": {"catalog", "stores", "stores.infra", "routing"},
    "stores": {"stores", "stores.infra", "routing"},
    "stores.infra": {"stores.infra"},
    "routing": {"routing"},
}


def room(module: str) -> str:
    return "stores.infra" if module.startswith("stores.infra") else module.split(".")[0]


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[str]:
    found: list[str] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            found.extend(f"{node.module}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph() -> nx.DiGraph:
    modules = {_module_name(p): p for package in PACKAGES for p in (REPO_ROOT / package).rglob("*.py")}
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        for target in _imports(ast.parse(path.read_text(), str(path))):
            if target in modules and target != name:
                graph.add_edge(name, target)
    return graph


def test_packages_import_in_one_direction_only() -> None:
    graph = import_graph()
    wrong = sorted((a, b) for a, b in graph.edges if room(b) not in ALLOWED[room(a)])
    assert not wrong, "imports against the layering (importer, imported): " + repr(wrong)


def test_no_import_circles() -> None:
    circles = sorted(sorted(c) for c in nx.strongly_connected_components(import_graph()) if len(c) > 1)
    assert not circles, f"import circles: {circles}"


def test_the_graph_sees_real_imports() -> None:
    """The test itself: it finds known arrows (so an empty graph cannot pass the two above)."""
    graph = import_graph()
    assert graph.has_edge("catalog.route", "routing") or graph.has_edge("catalog.route", "routing.solve")
    assert graph.has_edge("stores.floorplan.worker", "stores.floorplan.build")
    assert graph.has_edge("api.app", "api.wiring") and graph.number_of_edges() > 100


def test_only_the_settings_read_the_environment() -> None:
    """``stores.infra.settings`` reads it; ``api.cli`` only writes it for the workers it starts."""
    readers = []
    for package in PACKAGES:
        for path in (REPO_ROOT / package).rglob("*.py"):
            name = _module_name(path)
            if name in ("stores.infra.settings", "api.cli"):
                continue
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
                    readers.append(f"{name}:{node.lineno}")
    assert not readers, readers
