"""A class of eight on one machine: every student logs in to the hub through its REST API with the shared
password, gets a token, starts a server, and runs the welcome notebook's cells through that server's kernel
(REST for the session, the websocket for the messages), all eight at once. No student reaches another's server
or files through the hub.

Measured (printed at the end and written to test-results/hub.json): each server's memory (the single-user
server and its kernels, resident and proportional set size) after the notebook ran and its resident peak while it
ran, their totals, and the time from each login to the first cell's result and to the last.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import psutil
import pytest
import requests
import websocket

from conftest import FIGURES, ROOT, Hub

WELCOME = ROOT / "notebooks" / "00-welcome.ipynb"
SERVER_READY_TIMEOUT = 300
CELL_TIMEOUT = 600


@dataclass
class StudentRun:
    user: str
    token: str = ""
    kernel_id: str = ""
    login_to_first_result_s: float | None = None
    login_to_last_result_s: float | None = None
    cells: list[dict] = field(default_factory=list)
    failure: str | None = None


def log_in(hub: Hub, user: str) -> str:
    """A token for `user`, asked for with the shared password (no cookie, no other token)."""
    response = requests.post(
        f"{hub.url}/hub/api/users/{user}/tokens",
        json={"auth": {"username": user, "password": hub.password}, "note": "hub test"},
        timeout=60,
    )
    assert response.status_code in (200, 201), f"{user}: login answered {response.status_code} {response.text}"
    return response.json()["token"]


def start_server(hub: Hub, user: str, token: str) -> None:
    headers = {"Authorization": f"token {token}"}
    response = requests.post(f"{hub.url}/hub/api/users/{user}/server", headers=headers, timeout=60)
    assert response.status_code in (201, 202), f"{user}: server start answered {response.status_code}"
    deadline = time.monotonic() + SERVER_READY_TIMEOUT
    while time.monotonic() < deadline:
        model = requests.get(f"{hub.url}/hub/api/users/{user}", headers=headers, timeout=60).json()
        server = model.get("servers", {}).get("")
        if server and server.get("ready"):
            return
        time.sleep(0.5)
    raise AssertionError(f"{user}: server not ready within {SERVER_READY_TIMEOUT} s; hub log: {hub.log}")


def execute(ws: websocket.WebSocket, session: str, code: str) -> dict:
    """Sends one execute_request and collects, until the reply and the kernel's idle, what came back for it."""
    msg_id = uuid.uuid4().hex
    ws.send(
        json.dumps(
            {
                "header": {
                    "msg_id": msg_id,
                    "msg_type": "execute_request",
                    "session": session,
                    "username": "",
                    "version": "5.3",
                },
                "parent_header": {},
                "metadata": {},
                "content": {
                    "code": code,
                    "silent": False,
                    "store_history": True,
                    "user_expressions": {},
                    "allow_stdin": False,
                    "stop_on_error": True,
                },
                "channel": "shell",
                "buffers": [],
            }
        )
    )
    result = {"reply": None, "errors": [], "outputs": [], "first_output_at": None}
    idle = False
    deadline = time.monotonic() + CELL_TIMEOUT
    while result["reply"] is None or not idle:
        ws.settimeout(max(1.0, deadline - time.monotonic()))
        message = json.loads(ws.recv())
        if message.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = message["header"]["msg_type"]
        if kind == "execute_reply":
            result["reply"] = message["content"]
        elif kind == "status" and message["content"]["execution_state"] == "idle":
            idle = True
        elif kind == "error":
            result["errors"].append(f"{message['content'].get('ename')}: {message['content'].get('evalue')}")
        elif kind in ("execute_result", "display_data", "stream"):
            if result["first_output_at"] is None:
                result["first_output_at"] = time.monotonic()
            result["outputs"].append(kind)
    return result


def connect(hub: Hub, user: str, token: str, kernel_id: str) -> websocket.WebSocket:
    """The websocket of a kernel on `user`'s server, through the hub's proxy."""
    return websocket.create_connection(
        f"{hub.url.replace('http://', 'ws://')}/user/{user}/api/kernels/{kernel_id}/channels",
        header=[f"Authorization: token {token}"],
        timeout=CELL_TIMEOUT,
    )


def run_student(hub: Hub, user: str) -> StudentRun:
    run = StudentRun(user)
    try:
        started = time.monotonic()
        run.token = log_in(hub, user)
        start_server(hub, user, run.token)
        headers = {"Authorization": f"token {run.token}"}
        base = f"{hub.url}/user/{user}"
        # The notebook is read from the student's own copy, through the student's own server.
        copy = requests.get(f"{base}/api/contents/{WELCOME.name}", headers=headers, timeout=60)
        assert copy.status_code == 200, f"{user}: {WELCOME.name} not in the home ({copy.status_code})"
        notebook = nbformat.from_dict(copy.json()["content"])
        kernel_name = notebook.metadata["kernelspec"]["name"]
        session = requests.post(
            f"{base}/api/sessions",
            headers=headers,
            json={"path": WELCOME.name, "type": "notebook", "kernel": {"name": kernel_name}},
            timeout=120,
        )
        assert session.status_code == 201, f"{user}: session answered {session.status_code} {session.text}"
        run.kernel_id = session.json()["kernel"]["id"]
        ws = connect(hub, user, run.token, run.kernel_id)
        try:
            session_id = uuid.uuid4().hex
            for index, cell in enumerate(c for c in notebook.cells if c.cell_type == "code"):
                result = execute(ws, session_id, cell.source)
                run.cells.append({"source": cell.source.splitlines()[0], **result})
                if index == 0 and result["first_output_at"] is not None:
                    run.login_to_first_result_s = result["first_output_at"] - started
            run.login_to_last_result_s = time.monotonic() - started
        finally:
            ws.close()
    except Exception as error:  # reported per student by the tests below
        run.failure = f"{type(error).__name__}: {error}"
    return run


class PeakMemory(threading.Thread):
    """Samples, every second while the class runs, the resident memory of each student's server and kernels."""

    def __init__(self, hub: Hub):
        super().__init__(daemon=True)
        self.hub = hub
        self.peak_rss_mib: dict[str, float] = {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(1.0):
            for process in self.hub.processes():
                try:
                    if "jupyterhub-singleuser" not in " ".join(process.cmdline()):
                        continue
                    user = process.environ().get("JUPYTERHUB_USER", "")
                    tree = [process, *process.children(recursive=True)]
                    rss = sum(p.memory_info().rss for p in tree) / 2**20
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                self.peak_rss_mib[user] = max(rss, self.peak_rss_mib.get(user, 0.0))


def memory_of(hub: Hub, user: str) -> dict:
    server = hub.server_of(user)
    tree = [server, *server.children(recursive=True)]
    rss = pss = kernels_rss = 0
    for process in tree:
        info = process.memory_full_info()
        rss += info.rss
        pss += info.pss
        if process is not server:
            kernels_rss += info.rss
    return {
        "processes": len(tree),
        "rss_mib": rss / 2**20,
        "pss_mib": pss / 2**20,
        "kernels_rss_mib": kernels_rss / 2**20,
    }


@pytest.fixture(scope="module")
def classroom(hub: Hub) -> dict[str, StudentRun]:
    sampler = PeakMemory(hub)
    sampler.start()
    with ThreadPoolExecutor(max_workers=len(hub.users)) as pool:
        runs = list(pool.map(lambda user: run_student(hub, user), hub.users))
    sampler.done.set()
    sampler.join()
    by_user = {run.user: run for run in runs}
    memory = {}
    for user, run in by_user.items():
        if run.failure is None:
            now = memory_of(hub, user)
            memory[user] = {**now, "peak_rss_mib": max(now["rss_mib"], sampler.peak_rss_mib.get(user, 0.0))}
    lines = []
    for user, run in by_user.items():
        if user in memory:
            m = memory[user]
            lines.append(
                f"{user}: {m['rss_mib']:.0f} MiB resident ({m['pss_mib']:.0f} MiB proportional, peak "
                f"{m['peak_rss_mib']:.0f} MiB resident) in {m['processes']} processes, "
                f"{m['kernels_rss_mib']:.0f} MiB of it the kernel; login to first cell's "
                f"result {run.login_to_first_result_s:.1f} s, to the last {run.login_to_last_result_s:.1f} s"
            )
        else:
            lines.append(f"{user}: failed: {run.failure}")
    if memory:
        total_pss = sum(m["pss_mib"] for m in memory.values())
        total_rss = sum(m["rss_mib"] for m in memory.values())
        total_peak = sum(m["peak_rss_mib"] for m in memory.values())
        waits = [run.login_to_first_result_s for run in runs if run.login_to_first_result_s is not None]
        lines.append(
            f"total for {len(memory)} students: {total_pss:.0f} MiB proportional ({total_rss:.0f} MiB resident, "
            f"shared pages counted in each; peaks {total_peak:.0f} MiB resident); login"
            f" to first result: median {statistics.median(waits):.1f} s, "
            f"slowest {max(waits):.1f} s; machine: {psutil.cpu_count()} CPUs"
        )
        FIGURES.update(
            {
                "students": len(hub.users),
                "cpus": psutil.cpu_count(),
                "memory_mib": memory,
                "total_pss_mib": total_pss,
                "total_rss_mib": total_rss,
                "total_peak_rss_mib": total_peak,
                "login_to_first_result_s": {run.user: run.login_to_first_result_s for run in runs},
                "login_to_last_result_s": {run.user: run.login_to_last_result_s for run in runs},
            }
        )
    FIGURES["lines"] = lines
    return by_user


def test_every_student_runs_every_welcome_cell(hub, classroom):
    code_cells = [c for c in nbformat.read(WELCOME, as_version=4).cells if c.cell_type == "code"]
    assert len(classroom) == 8
    for user, run in classroom.items():
        assert run.failure is None, f"{user}: {run.failure}"
        assert len(run.cells) == len(code_cells), f"{user}: ran {len(run.cells)} of {len(code_cells)} cells"
        for cell in run.cells:
            assert cell["reply"]["status"] == "ok", f"{user}: `{cell['source']}` replied {cell['reply']}"
            assert not cell["errors"], f"{user}: `{cell['source']}` raised {cell['errors']}"
        # The first cell is `1 + 1`: its result is the first thing the student sees.
        assert run.cells[0]["outputs"] == ["execute_result"], f"{user}: first cell gave {run.cells[0]['outputs']}"
        assert run.login_to_first_result_s is not None


def test_each_student_has_a_copy_of_the_course_notebooks_in_their_home(hub, classroom):
    course = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    for user, run in classroom.items():
        listing = requests.get(
            f"{hub.url}/user/{user}/api/contents", headers={"Authorization": f"token {run.token}"}, timeout=60
        )
        assert listing.status_code == 200
        names = {entry["name"] for entry in listing.json()["content"]}
        assert set(course) <= names, f"{user}: missing {sorted(set(course) - names)}"
        assert (hub.state / "home" / user / WELCOME.name).is_file()


def test_a_student_cannot_reach_another_students_server(hub, classroom):
    ann, bob = hub.users[0], hub.users[1]
    headers = {"Authorization": f"token {classroom[ann].token}"}
    for path in ["api/contents", f"api/contents/{WELCOME.name}", "api/kernels", "api/sessions", "lab"]:
        response = requests.get(f"{hub.url}/user/{bob}/{path}", headers=headers, timeout=60, allow_redirects=False)
        assert response.status_code == 403, f"{ann} reading {bob}'s /{path}: {response.status_code}"
    put = requests.put(
        f"{hub.url}/user/{bob}/api/contents/planted.txt",
        headers=headers,
        json={"type": "file", "format": "text", "content": "not yours"},
        timeout=60,
    )
    assert put.status_code == 403, f"{ann} writing into {bob}'s home: {put.status_code}"
    assert not (hub.state / "home" / bob / "planted.txt").exists()
    websocket_refused = False
    try:
        websocket.create_connection(
            f"{hub.url.replace('http://', 'ws://')}/user/{bob}/api/kernels/{uuid.uuid4()}/channels",
            header=[f"Authorization: token {classroom[ann].token}"],
            timeout=60,
        ).close()
    except websocket.WebSocketBadStatusException as error:
        websocket_refused = error.status_code in (403, 404)
    assert websocket_refused, f"{ann} opened a websocket on {bob}'s server"


def test_a_student_cannot_see_stop_or_get_a_token_for_another_student(hub, classroom):
    ann, bob = hub.users[0], hub.users[1]
    headers = {"Authorization": f"token {classroom[ann].token}"}
    assert requests.get(f"{hub.url}/hub/api/users/{bob}", headers=headers, timeout=60).status_code == 404
    assert requests.get(f"{hub.url}/hub/api/users", headers=headers, timeout=60).status_code == 403
    assert requests.delete(f"{hub.url}/hub/api/users/{bob}/server", headers=headers, timeout=60).status_code == 404
    assert requests.post(f"{hub.url}/hub/api/users/{bob}/tokens", headers=headers, timeout=60).status_code == 403
    bob_model = requests.get(
        f"{hub.url}/hub/api/users/{bob}", headers={"Authorization": f"token {classroom[bob].token}"}, timeout=60
    ).json()
    assert bob_model["servers"][""]["ready"], f"{bob}'s server stopped"


def test_a_students_server_serves_no_file_outside_their_home(hub, classroom):
    ann, bob = hub.users[0], hub.users[1]
    headers = {"Authorization": f"token {classroom[ann].token}"}
    for path in [f"api/contents/%2E%2E%2F{bob}", f"api/contents/%2E%2E%2F{bob}%2F{WELCOME.name}"]:
        response = requests.get(f"{hub.url}/user/{ann}/{path}", headers=headers, timeout=60)
        assert response.status_code == 404, f"{ann} reading ../{bob} through her own server: {response.status_code}"
        assert "outside root" in response.text


def test_a_wrong_password_or_no_token_gets_nothing(hub, classroom):
    bob = hub.users[1]
    wrong = requests.post(
        f"{hub.url}/hub/api/users/{bob}/tokens",
        json={"auth": {"username": bob, "password": hub.password + "x"}},
        timeout=60,
    )
    assert wrong.status_code == 403
    anonymous = requests.get(f"{hub.url}/user/{bob}/api/contents", timeout=60, allow_redirects=False)
    assert anonymous.status_code == 403
    stranger = requests.post(
        f"{hub.url}/hub/api/users/mallory/tokens",
        json={"auth": {"username": "mallory", "password": hub.password}},
        timeout=60,
    )
    assert stranger.status_code == 403, "a name outside DELTALAB_HUB_USERS got a token"


def test_a_failing_cell_is_seen_as_failing(hub, classroom):
    """The check that every welcome cell succeeded would see a failure: a cell that throws, sent the same way."""
    user = hub.users[-1]
    run = classroom[user]
    ws = connect(hub, user, run.token, run.kernel_id)
    try:
        result = execute(ws, uuid.uuid4().hex, 'throw new Error("a deliberate failure")')
    finally:
        ws.close()
    assert result["reply"]["status"] == "error"
    assert any("a deliberate failure" in error for error in result["errors"]), result
