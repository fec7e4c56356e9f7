"""The house rules that keep the layout honest: dependencies run one way, views leave queries to services,
templates ask services and the role gate instead of comparing roles."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAINS = ("portal", "partners", "orders", "training", "performance", "service")
# What each package may import besides itself (the factory, portal/__init__.py, assembles the domains).
MAY_IMPORT = {
    "portal": set(),
    "partners": {"portal"},
    "orders": {"portal", "partners"},
    "training": {"portal", "partners"},
    "performance": {"portal", "partners", "orders", "training", "service"},
    "service": {"portal", "partners", "orders"},
}


def _python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _runtime_nodes(tree: ast.AST):
    """Every node but those under `if TYPE_CHECKING:`: a type named for the checker is no dependency at run time."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            continue
        yield node
        yield from _runtime_nodes(node)


def _imported_packages(path: Path) -> set[str]:
    names: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & set(DOMAINS)


@pytest.mark.parametrize("package", DOMAINS)
def test_dependencies_run_one_way(package):
    wrong = {
        str(path.relative_to(ROOT)): sorted(found)
        for path in _python_files(package)
        if path != ROOT / "portal" / "__init__.py"
        and (found := _imported_packages(path) - MAY_IMPORT[package] - {package})
    }
    assert wrong == {}


def _view_modules() -> list[Path]:
    views = [path for package in DOMAINS for path in _python_files(package) if "views" in path.parts]
    views += [ROOT / "training" / "views.py", ROOT / "portal" / "auth" / "views.py", ROOT / "portal" / "admin.py"]
    return sorted(set(views))


def test_view_modules_leave_the_queries_to_services():
    querying = re.compile(r"\bselect\(|db\.session\.(scalar|scalars|execute)\(")
    wrong = [str(path.relative_to(ROOT)) for path in _view_modules() if querying.search(path.read_text("utf-8"))]
    assert len(_view_modules()) > 20
    assert wrong == []


def test_templates_ask_services_and_the_role_gate_instead_of_comparing_roles():
    templates = [path for package in DOMAINS for path in (ROOT / package).rglob("*.html")]
    comparing = re.compile(r"current_user\.role\s*(==|!=|in\b|is\b|not\b)|\bRole\.")
    wrong = [str(path.relative_to(ROOT)) for path in templates if comparing.search(path.read_text("utf-8"))]
    assert len(templates) > 50
    assert wrong == []
