"""Apps depend one way (STYLE.md): `intentional` ← `connections` ← `social` ← `digest` ← `bench`.

Every module of an app (tests and migrations aside) is parsed, and each of its imports, at the
top or inside a function, may name only its own app or one below it. `intentional/` is under
all of them: only its root URLconf and its settings name the apps."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Lowest first: an app may import the ones before it, never one after it.
LAYERS = ["intentional", "connections", "social", "digest", "bench"]

# The only modules of `intentional/` that may name the apps (they assemble the project).
PROJECT_ASSEMBLY = ("intentional/urls.py", "intentional/settings/")


def _modules(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        relative = path.relative_to(ROOT)
        if {"tests", "migrations"} & set(relative.parts):
            continue
        yield relative


def _imported_apps(path: Path):
    """(line, app) for each import of a project app in the module at `path`."""
    tree = ast.parse((ROOT / path).read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in LAYERS:
                yield node.lineno, top


def upward_imports(app: str) -> list[str]:
    """The imports in `app` that break the order, as "path:line imports app"."""
    allowed = set(LAYERS[: LAYERS.index(app) + 1])
    found = []
    for path in _modules(app):
        assembly = path.as_posix().startswith(PROJECT_ASSEMBLY)
        for line, imported in _imported_apps(path):
            if imported not in allowed and not assembly:
                found.append(f"{path.as_posix()}:{line} imports {imported}")
    return found


@pytest.mark.parametrize("app", LAYERS)
def test_an_app_imports_only_itself_and_the_apps_below_it(app):
    assert upward_imports(app) == []


def test_the_check_sees_imports_inside_functions_too(tmp_path, monkeypatch):
    """The check is not blind: a lazy upward import in a function is caught."""
    package = tmp_path / "connections"
    package.mkdir()
    (package / "lazy.py").write_text("def f():\n    from social.models import User\n")
    (package / "tests").mkdir()
    (package / "tests" / "test_x.py").write_text("import digest\n")  # tests may import anything
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert upward_imports("connections") == ["connections/lazy.py:2 imports social"]
