"""The layers hold: every import points down, never up, and click/rich stay in the application.

Bottom to top:

- core: `earmark/` (models, store, settings types, errors, config loading, redaction, safetext,
  lock, secrets...), without click or rich;
- stages: `listen/`, `classify/`, `export/`; each imports core and its own package. One stage
  may import another only where ALLOWED_STAGE_IMPORTS says so: export may import classify
  (records redact personal data with classify's PII detector). listen imports no other stage,
  classify imports no other stage, and nothing imports export except the application;
- application: `earmark/cli/` (the click group, the commands, the app object, the pipeline, the
  output) and `earmark/__main__.py`; it may import everything.

Every import counts, at module level, inside functions and under `if TYPE_CHECKING:`, because a
function-level import is still a dependency. Each violation is printed as
"module -> imported (why it is wrong)".
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("earmark", "listen", "classify", "export")
STAGES = ("listen", "classify", "export")
APPLICATION = ("earmark.cli", "earmark.__main__")
RENDERING = ("click", "rich")
CORE, STAGE, APP = 0, 1, 2
LAYER_NAMES = {CORE: "core", STAGE: "stage", APP: "application"}

# (importing stage, imported stage): the only imports allowed between stages.
ALLOWED_STAGE_IMPORTS = {("export", "classify")}

# Known violations still to fix, as {(module, imported): reason}, and known cycles, as
# {(unit, ..., unit): reason}. Both are empty and may only stay so or shrink: an entry that no
# longer matches fails test_allowlist_has_no_stale_entries.
ALLOWLIST: dict[tuple[str, str], str] = {}
CYCLE_ALLOWLIST: dict[tuple[str, ...], str] = {}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def find_modules(root: Path) -> dict[str, Path]:
    """Every module of the four packages, by dotted name."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            modules[module_name(path, root)] = path
    return modules


def imported_names(path: Path, name: str, modules: dict[str, Path]) -> Iterator[str]:
    """Every module path imports, anywhere in the file, resolved to a dotted name."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # `from package import module` depends on that module, not only on the package.
            submodules = [
                f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in modules
            ]
            if submodules:
                yield from submodules
            if len(submodules) < len(node.names):
                yield target


def layer_of(name: str) -> int | None:
    top = name.split(".")[0]
    if any(name == app or name.startswith(app + ".") for app in APPLICATION):
        return APP
    if top == "earmark":
        return CORE
    if top in STAGES:
        return STAGE
    return None


def violation(importer: str, imported: str) -> str | None:
    """Why importer must not import imported, or None when the import is allowed."""
    top = imported.split(".")[0]
    mine, theirs = layer_of(importer), layer_of(imported)
    if top in RENDERING:
        if mine != APP:
            return f"{top} renders output: only the application layer may import it"
        return None
    if theirs is None:
        return None
    if theirs > mine:
        return f"upward import: {LAYER_NAMES[mine]} must not import the {LAYER_NAMES[theirs]} layer"
    own, other = importer.split(".")[0], imported.split(".")[0]
    if mine == theirs == STAGE and own != other and (own, other) not in ALLOWED_STAGE_IMPORTS:
        return f"stage {own} must not import stage {other}"
    return None


def find_violations(root: Path) -> list[tuple[str, str, str]]:
    modules = find_modules(root)
    found = set()
    for name, path in modules.items():
        for imported in imported_names(path, name, modules):
            why = violation(name, imported)
            if why:
                found.add((name, imported, why))
    return sorted(found)


def unit_of(name: str) -> str | None:
    """The package a module belongs to for the cycle check: core, each stage, application."""
    layer = layer_of(name)
    if layer is None:
        return None
    return {CORE: "core", APP: "application"}.get(layer, name.split(".")[0])


def find_cycles(root: Path) -> list[list[str]]:
    """Cycles in the graph of core, each stage and the application (who imports whom)."""
    modules = find_modules(root)
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        for imported in imported_names(path, name, modules):
            source, target = unit_of(name), unit_of(imported)
            if target is not None and target != source:
                edges.setdefault(source, set()).add(target)
    cycles = []

    def walk(node: str, trail: list[str]) -> None:
        for nxt in sorted(edges.get(node, ())):
            if nxt == trail[0]:
                cycles.append([*trail, nxt])
            elif nxt not in trail and nxt > trail[0]:
                walk(nxt, [*trail, nxt])

    for start in sorted(edges):
        walk(start, [start])
    return cycles


def describe(violations: Iterable[tuple[str, str, str]]) -> str:
    return "\n".join(f"{a} -> {b} ({why})" for a, b, why in violations)


def test_every_module_is_in_exactly_one_layer():
    modules = find_modules(ROOT)
    assert len(modules) > 100
    for name in modules:
        layers = [
            layer
            for layer, belongs in (
                (APP, any(name == a or name.startswith(a + ".") for a in APPLICATION)),
                (STAGE, name.split(".")[0] in STAGES),
                (CORE, name.split(".")[0] == "earmark"),
            )
            if belongs
        ]
        # The application lives inside earmark/, so it is the one overlap: the most specific wins.
        assert layers in ([APP, CORE], [STAGE], [CORE]), name
        assert layer_of(name) == layers[0]


def test_no_import_breaks_the_layers():
    found = [v for v in find_violations(ROOT) if (v[0], v[1]) not in ALLOWLIST]
    assert not found, "\n" + describe(found)


def test_allowlist_has_no_stale_entries():
    real = {(a, b) for a, b, _ in find_violations(ROOT)}
    stale = sorted(set(ALLOWLIST) - real)
    stale += sorted(set(CYCLE_ALLOWLIST) - {tuple(c) for c in find_cycles(ROOT)})
    assert not stale, f"fixed, remove from ALLOWLIST: {stale}"


def test_no_cycle_between_layers_or_stages():
    cycles = [c for c in find_cycles(ROOT) if tuple(c) not in CYCLE_ALLOWLIST]
    assert not cycles, "\n" + "\n".join(" -> ".join(c) for c in cycles)


# The checker itself, on a small tree with one mistake of each kind.
FAKE_TREE = {
    "earmark/__init__.py": "",
    "earmark/models.py": "import click\n",
    "earmark/config.py": "def load():\n    from listen.query import parse\n",
    "earmark/cli/__init__.py": "import rich\nfrom listen import query\n",
    "listen/__init__.py": "",
    "listen/query.py": "from earmark.cli import main\nfrom ..earmark import models\n",
    "classify/__init__.py": "from export.routing import route\n",
    "export/__init__.py": "",
    "export/routing.py": "from classify import classify\nfrom . import nothing\n",
}


@pytest.fixture
def fake_tree(tmp_path):
    for rel, text in FAKE_TREE.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


def test_the_checker_reports_each_kind_of_mistake(fake_tree):
    assert describe(find_violations(fake_tree)).splitlines() == [
        "classify -> export.routing (stage classify must not import stage export)",
        "earmark.config -> listen.query (upward import: core must not import the stage layer)",
        "earmark.models -> click (click renders output: only the application layer may import it)",
        "listen.query -> earmark.cli (upward import: stage must not import the application layer)",
    ]


def test_the_checker_finds_cycles(fake_tree):
    assert find_cycles(fake_tree) == [
        ["application", "listen", "application"],
        ["classify", "export", "classify"],
        ["core", "listen", "core"],
    ]


def test_loading_the_config_and_the_store_imports_no_stage_and_not_the_application():
    # (click itself is loaded by sqlite-utils, so only our own packages and rich are checked.)
    import subprocess
    import sys

    code = (
        "import sys, earmark.config, earmark.store\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('listen', 'classify', 'export', 'rich') or m.startswith('earmark.cli')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert done.stdout == "[]\n"
