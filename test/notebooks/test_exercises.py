"""The notebooks' checked exercises, answered right and answered wrong, on the real deltalab kernel.

An exercise's cells carry the tag "exercise" and run on their own, in order. Its answer cell (tag "answer") holds
the student's answer, empty as committed; its metadata deltalab.answers gives a right and a wrong answer, written
differently from the expected one (a rearranged formula, a product instead of its value). For each notebook the
exercise cells run twice, once with every right answer and once with every wrong one; each %check cell (tag
"check") must then say "right" or "wrong", and no cell may raise.
"""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def with_exercises():
    paths = sorted(p for p in NOTEBOOKS.glob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    return [p for p in paths if any("exercise" in tags(c) for c in nbformat.read(p, as_version=4).cells)]


PATHS = with_exercises()


def test_the_documents_exercises_are_in_the_notebooks():
    names = {p.name[:2] for p in PATHS}
    assert {"01", "02", "03", "04"} <= names, f"notebooks with checked exercises: {sorted(names)}"


def exercise_notebook(path, variant):
    """The notebook's exercise cells only, each answer cell replaced by its `variant` answer."""
    source = nbformat.read(path, as_version=4)
    cells = []
    for cell in source.cells:
        if "exercise" not in tags(cell) or cell.cell_type != "code":
            continue
        cell = nbformat.from_dict(dict(cell))
        if "answer" in tags(cell):
            answers = cell.metadata.get("deltalab", {}).get("answers", {})
            assert variant in answers, f"{path.name}: an answer cell has no {variant} answer: {cell.source!r}"
            cell.source = answers[variant]
        cells.append(cell)
    notebook = nbformat.v4.new_notebook(metadata=source.metadata)
    notebook.cells = cells
    return notebook


def verdicts(notebook):
    """The first word of every %check cell's result: right, wrong or "not checked"."""
    found = []
    for cell in notebook.cells:
        if "check" not in tags(cell):
            continue
        texts = [o.get("data", {}).get("text/plain", "") for o in cell.outputs if o.get("output_type") != "stream"]
        text = "".join(texts)
        found.append((cell.source, text.split(":")[0] if text else "(no result)"))
    return found


@pytest.mark.parametrize("variant", ["right", "wrong"])
@pytest.mark.parametrize("path", PATHS, ids=[p.name for p in PATHS])
def test_exercises_judge_answers(path, variant):
    notebook = exercise_notebook(path, variant)
    client = NotebookClient(
        notebook,
        kernel_name="deltalab",
        timeout=120,
        startup_timeout=120,
        allow_errors=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        client.execute()
    except CellExecutionError as error:
        pytest.fail(f"{path.name} ({variant} answers): a cell raised\n{error}")
    found = verdicts(notebook)
    assert found, f"{path.name}: no %check cells"
    misjudged = [(source, verdict) for source, verdict in found if verdict != variant]
    assert not misjudged, f"{path.name}: expected every %check to say {variant}: {misjudged}"
