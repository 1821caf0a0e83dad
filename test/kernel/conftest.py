"""Fixtures that run the real deltalab kernel process over ZeroMQ.

The kernelspec is installed with `node kernel/dist/bin.js install --prefix <tmp>` and found through JUPYTER_PATH,
exactly as Jupyter finds an installed kernel. Every kernel a fixture starts is shut down in a `finally`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "kernel" / "dist" / "bin.js"
TIMEOUT = 30


def install_kernelspec() -> Path:
    """Installs the kernelspec into a fresh prefix and points JUPYTER_PATH at it; returns the prefix."""
    if not BIN.exists():
        raise RuntimeError(f"{BIN} is missing: build the kernel first (npm run build)")
    prefix = Path(tempfile.mkdtemp(prefix="deltalab-kernelspec-"))
    node = shutil.which("node") or "node"
    subprocess.run([node, str(BIN), "install", "--prefix", str(prefix)], check=True, capture_output=True)
    data = str(prefix / "share" / "jupyter")
    existing = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = data if not existing else os.pathsep.join([data, existing])
    return prefix


_PREFIX = install_kernelspec()


def start_kernel(cwd: Path | None = None, **launch) -> tuple[KernelManager, BlockingKernelClient]:
    """Starts a kernel (extra keyword arguments go to the process launch, e.g. stderr=file)."""
    km = KernelManager(kernel_name="deltalab")
    km.start_kernel(cwd=str(cwd or ROOT), **launch)
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
    except Exception:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        raise
    return km, kc


@pytest.fixture(scope="module")
def kernel() -> Iterator[tuple[KernelManager, BlockingKernelClient]]:
    km, kc = start_kernel()
    try:
        yield km, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


@pytest.fixture()
def fresh_kernel(tmp_path: Path) -> Iterator[tuple[KernelManager, BlockingKernelClient]]:
    """A kernel of its own, started in an empty folder outside the repository."""
    km, kc = start_kernel(cwd=tmp_path)
    try:
        yield km, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def execute(kc: BlockingKernelClient, code: str, timeout: float = TIMEOUT, **options) -> tuple[dict, list[dict]]:
    """Runs `code`; returns the execute_reply and the IOPub messages parented to it (status messages left out)."""
    msg_id = kc.execute(code, **options)
    reply = kc.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=timeout)
    outputs = collect_iopub(kc, msg_id, timeout)
    return reply, outputs


def collect_iopub(kc: BlockingKernelClient, msg_id: str, timeout: float = TIMEOUT) -> list[dict]:
    """IOPub messages of request `msg_id` up to its idle status."""
    outputs = []
    while True:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status":
            if msg["content"]["execution_state"] == "idle":
                return outputs
            continue
        outputs.append(msg)
