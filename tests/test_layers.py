"""The package's layers (docs/architecture.md): imports only point down.

    base (config, paths, io, codes, data, stats) <- ingest <- model <- indicators <- analyses
    <- report <- run <- cli, bench

A module may import its own layer or any layer below it, never one above. The synthetic
generator imports only the code lists (`pipeline.codes`, `pipeline.data`), and only the CLI imports
it: the analyses must discover what the generator encodes, not share its assumptions. Every
import counts, including those inside functions. The modules also import each other without
cycles.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pipeline"
RANK = {
    "base": 0,
    "ingest": 1,
    "model": 2,
    "indicators": 3,
    "analyses": 4,
    "report": 5,
    "run": 6,
    "top": 7,
}
BASE = {
    "pipeline",
    "pipeline.config",
    "pipeline.paths",
    "pipeline.io",
    "pipeline.codes",
    "pipeline.data",
    "pipeline.stats",
}
TOP = {"pipeline.cli", "pipeline.bench", "pipeline.__main__"}
SYNTH_MAY_IMPORT = {"pipeline.codes", "pipeline.data"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> str:
    if module in BASE:
        return "base"
    if module in TOP:
        return "top"
    return module.split(".")[1]


def imports(module: str) -> set[str]:
    """The pipeline modules `module` imports (anywhere in its code)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "pipeline"}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + [base]
                )
                base = base.rstrip(".")
            if base.split(".")[0] != "pipeline":
                continue
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in MODULES else base)
    return {m for m in found if m in MODULES} - {module}


GRAPH = {m: imports(m) for m in MODULES}


def test_every_module_has_a_layer():
    assert {layer(m) for m in MODULES} <= set(RANK) | {"synth"}
    assert "pipeline.synth" in MODULES and "pipeline.model.care" in MODULES


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module):
    mine = layer(module)
    for target in GRAPH[module]:
        theirs = layer(target)
        if mine == "synth":
            assert theirs == "synth" or target in SYNTH_MAY_IMPORT, f"{module} imports {target}"
            continue
        if theirs == "synth":
            assert module == "pipeline.cli", f"{module} imports the generator ({target})"
            continue
        assert RANK[theirs] <= RANK[mine], f"{module} ({mine}) imports {target} ({theirs})"


def test_no_import_cycles():
    state: dict[str, int] = {}

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for t in sorted(GRAPH[m]):
            if state.get(t) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*path, m, t]))
            if t not in state:
                visit(t, [*path, m])
        state[m] = 2

    for m in sorted(MODULES):
        if m not in state:
            visit(m, [])


def test_the_check_sees_imports_inside_functions():
    assert "pipeline.ingest.schema" in GRAPH["pipeline.ingest.processed"]  # a local import
    assert "pipeline.synth" in GRAPH["pipeline.cli"]
