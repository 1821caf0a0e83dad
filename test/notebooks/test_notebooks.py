"""Every notebook in notebooks/ runs top to bottom on the real deltalab kernel.

A cell that raises (an error output), including a verification cell whose assertion fails, fails its notebook's
test. Notebooks are committed without outputs; this is where they are executed.
"""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
PATHS = sorted(p for p in NOTEBOOKS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def test_there_are_notebooks():
    assert PATHS, f"no notebooks found under {NOTEBOOKS}"


@pytest.mark.parametrize("path", PATHS, ids=[str(p.relative_to(NOTEBOOKS)) for p in PATHS])
def test_notebook_runs_without_errors(path):
    notebook = nbformat.read(path, as_version=4)
    assert notebook.metadata.get("kernelspec", {}).get("name") == "deltalab", f"{path.name} is not on the deltalab kernel"
    client = NotebookClient(
        notebook,
        kernel_name="deltalab",
        timeout=600,
        startup_timeout=120,
        allow_errors=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        client.execute()
    except CellExecutionError as error:
        pytest.fail(f"{path.name}: a cell failed\n{error}")
