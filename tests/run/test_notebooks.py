"""The notebooks stay thin, stripped and parameterised the way the batch runner expects."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

from pipeline.run import PARAMETERS

NOTEBOOKS = sorted((Path(__file__).parents[2] / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_the_four_reports_exist():
    assert [p.stem for p in NOTEBOOKS] == [
        "01_clean_extracts",
        "02_placement_disruption_sdq",
        "03_missing_episode_trends",
        "04_corporate_parenting_scorecard",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_outputs_stripped(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: outputs kept"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_cell_is_plain_literals(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    tree = ast.parse(tagged[0].source)
    names = []
    for node in tree.body:
        assert isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant), (
            f"{path.name}: parameters must be plain literals"
        )
        names += [t.id for t in node.targets]
    assert tuple(names) == PARAMETERS
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_business_logic_in_notebooks(path):
    """Code cells only call into `pipeline`: no functions, classes, loops or pandas imports."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        for node in ast.walk(tree):
            assert not isinstance(node, ast.FunctionDef | ast.ClassDef | ast.For | ast.While), (
                f"{path.name}: logic belongs in pipeline/: {cell.source[:60]!r}"
            )
            if isinstance(node, ast.Import | ast.ImportFrom):
                module = getattr(node, "module", None) or node.names[0].name
                assert module.split(".")[0] == "pipeline", f"{path.name}: imports {module}"
        assert len(cell.source.splitlines()) <= 25, f"{path.name}: a long code cell"
