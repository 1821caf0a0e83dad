"""A real JupyterHub started exactly as `npm run hub` starts it (scripts/hub.mjs), on free ports, with a private
state folder; stopped in a `finally`, and every process it started is killed if it outlives the hub. Its log is
copied to test-results/hub.log and the state folder (the students' homes) removed.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import psutil
import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
USERS = [f"student{i}" for i in range(1, 9)]
START_TIMEOUT = 120

# Figures measured by the tests, printed at the end of the run and written to test-results/hub.json.
FIGURES: dict = {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Hub:
    url: str
    password: str
    users: list[str]
    state: Path
    log: Path
    process: psutil.Process

    def processes(self) -> list[psutil.Process]:
        """The hub and every process under it (proxy, single-user servers, kernels)."""
        try:
            return [self.process, *self.process.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def server_of(self, user: str) -> psutil.Process:
        """The single-user server process of `user` (its kernels are its children)."""
        for process in self.processes():
            try:
                if "jupyterhub-singleuser" in " ".join(process.cmdline()) and (
                    process.environ().get("JUPYTERHUB_USER") == user
                ):
                    return process
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        raise AssertionError(f"no jupyterhub-singleuser process for {user}; hub log: {self.log}")


def wait_for_hub(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the hub exited with code {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if requests.get(f"{url}/hub/api/", timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the hub did not answer {url}/hub/api/ within {START_TIMEOUT} s; log: {log}")


def stop(process: subprocess.Popen, hub: psutil.Process) -> None:
    """SIGTERM to scripts/hub.mjs (it passes it to the hub, which stops every server and the proxy), then
    SIGKILL to whatever is still alive of what was running under it."""
    started = [hub]
    try:
        started += hub.children(recursive=True)
    except psutil.NoSuchProcess:
        pass
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        pass
    _, alive = psutil.wait_procs(started, timeout=10)
    for leftover in alive:
        try:
            leftover.kill()
        except psutil.NoSuchProcess:
            pass
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def hub() -> Iterator[Hub]:
    state = Path(tempfile.mkdtemp(prefix="deltalab-hub-"))
    log = state / "hub.log"
    port = free_port()
    password = secrets.token_urlsafe(12)
    env = {
        **os.environ,
        "DELTALAB_HUB_STATE": str(state),
        "DELTALAB_HUB_PASSWORD": password,
        "DELTALAB_HUB_USERS": ",".join(USERS),
        "DELTALAB_HUB_PORT": str(port),
        "DELTALAB_HUB_API_PORT": str(free_port()),
        "DELTALAB_HUB_PROXY_API_PORT": str(free_port()),
    }
    with open(log, "wb") as output:
        process = subprocess.Popen(
            ["node", str(ROOT / "scripts" / "hub.mjs"), "--skip-setup"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    main = psutil.Process(process.pid)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_hub(url, process, log)
        yield Hub(url, password, USERS, state, log, main)
    finally:
        stop(process, main)
        results = ROOT / "test-results"
        results.mkdir(exist_ok=True)
        shutil.copyfile(log, results / "hub.log")
        shutil.rmtree(state, ignore_errors=True)


def pytest_terminal_summary(terminalreporter) -> None:
    if not FIGURES:
        return
    terminalreporter.section("deltalab hub: measured figures")
    for line in FIGURES.get("lines", []):
        terminalreporter.write_line(line)
    results = ROOT / "test-results"
    results.mkdir(exist_ok=True)
    (results / "hub.json").write_text(json.dumps({k: v for k, v in FIGURES.items() if k != "lines"}, indent=2))
