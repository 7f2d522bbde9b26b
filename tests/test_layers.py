"""The layers of DESIGN.md hold: portal -> tickets -> kb_service -> indexer, imports only downward.

The portal may also call kb_service directly and tickets may use the indexer library (for its
own ticket index); the portal never reaches the indexer (the faces search through
kb_service's search service). `kb_service/app.py` and `kb_service/cli.py` assemble everything
and may import from all packages. Whoosh is imported only inside `indexer/`.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("portal", "tickets", "kb_service", "indexer")
MAY_IMPORT = {
    "portal": {"portal", "tickets", "kb_service"},
    "tickets": {"tickets", "kb_service", "indexer"},
    "kb_service": {"kb_service", "indexer"},
    "indexer": {"indexer"},
}
ASSEMBLERS = {"kb_service/app.py", "kb_service/cli.py"}
# Third-party modules that only one package may import.
OWNED = {"whoosh": "indexer"}


def imported_modules(source: str) -> list[tuple[int, str]]:
    """(line, module) for every absolute import in the source, wherever it sits."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def violations(relative: str, source: str) -> list[str]:
    """What the file at ``relative`` (e.g. "kb_service/db.py") imports against the layers."""
    package = relative.split("/", 1)[0]
    if relative in ASSEMBLERS:
        return []
    problems = []
    for line, module in imported_modules(source):
        top = module.split(".", 1)[0]
        if top in PACKAGES and top not in MAY_IMPORT[package]:
            allowed = ", ".join(sorted(MAY_IMPORT[package] - {package})) or "no other package"
            problems.append(
                f"{relative}:{line} imports {module}: {package} may import only {allowed}"
            )
        if top in OWNED and OWNED[top] != package:
            problems.append(f"{relative}:{line} imports {module}: only {OWNED[top]} may")
    return problems


def source_files() -> list[str]:
    return sorted(
        str(path.relative_to(ROOT))
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    )


def test_every_package_imports_only_downward():
    problems = [
        problem
        for relative in source_files()
        for problem in violations(relative, (ROOT / relative).read_text(encoding="utf-8"))
    ]
    assert not problems, "layer rule broken:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("relative", "source"),
    [
        ("kb_service/search/api.py", "from portal.deps import local_path"),
        ("kb_service/models.py", "def f():\n    from tickets import models"),
        ("indexer/search.py", "import kb_service.access"),
        ("tickets/service.py", "from portal import templating"),
        ("portal/deps.py", "from indexer.index import SearchIndex"),
        ("kb_service/articles/service.py", "from whoosh import index"),
    ],
)
def test_an_upward_or_skipping_import_is_reported(relative, source):
    assert violations(relative, source)


@pytest.mark.parametrize(
    ("relative", "source"),
    [
        ("kb_service/app.py", "from portal.views import home"),
        ("portal/views/home.py", "from kb_service.deps import SessionDep"),
        ("tickets/index.py", "from indexer.index import SearchIndex"),
        ("indexer/index.py", "from whoosh import index"),
    ],
)
def test_downward_imports_and_the_assemblers_pass(relative, source):
    assert violations(relative, source) == []
