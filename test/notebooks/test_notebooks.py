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


def executed(path: Path, what: str = "") -> nbformat.NotebookNode:
    """The notebook at `path` run top to bottom on the deltalab kernel; a cell that fails fails the test."""
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
        pytest.fail(f"{path.name}{what}: a cell failed\n{error}")
    return notebook


@pytest.mark.parametrize("path", PATHS, ids=[str(p.relative_to(NOTEBOOKS)) for p in PATHS])
def test_notebook_runs_without_errors(path):
    executed(path)


def test_the_gpu_notebook_says_why_it_skips_its_gpu_cells_when_no_adapter_opens(monkeypatch):
    # An adapter name that matches nothing makes every WebGPU open fail, as on a machine without Mesa or a GPU.
    monkeypatch.setenv("DELTALAB_WEBGPU_ADAPTER", "no adapter has this name")
    notebook = executed(NOTEBOOKS / "12-gpu-kernels-and-tuning.ipynb", " without an adapter")
    printed = "".join(
        output.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream"
    )
    assert "No WebGPU adapter opened, so the GPU cells below are skipped" in printed
    assert 'does not match "no adapter has this name"' in printed
    gpu_cells = [cell for cell in notebook.cells if cell.cell_type == "code" and "if (gpu)" in cell.source]
    assert gpu_cells, "the notebook has no cell that runs only with an adapter"
    for cell in gpu_cells:
        said = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")
        assert "GPU cell skipped: no WebGPU adapter opened" in said, cell.source[:120]
