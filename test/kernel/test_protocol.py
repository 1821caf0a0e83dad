"""Protocol behaviour of the real deltalab kernel over ZeroMQ, beyond jupyter_kernel_test's checks."""

from __future__ import annotations

import signal
import time
import uuid

import pytest
from jupyter_client.session import Session

from conftest import TIMEOUT, collect_iopub, execute, start_kernel


def reply_to(kc, msg_id, channel="shell", timeout=TIMEOUT):
    get = kc.get_shell_msg if channel == "shell" else kc.get_control_msg
    while True:
        msg = get(timeout=timeout)
        if msg["parent_header"].get("msg_id") == msg_id:
            return msg


def test_kernel_info_is_complete(kernel):
    _, kc = kernel
    msg_id = kc.kernel_info()
    content = reply_to(kc, msg_id)["content"]
    assert content["status"] == "ok"
    assert content["protocol_version"] == "5.3"
    assert content["language_info"]["mimetype"] == "text/typescript"
    assert content["language_info"]["file_extension"] == ".ts"
    assert all({"text", "url"} <= set(link) for link in content["help_links"]) and content["help_links"]


def test_every_shell_message_is_wrapped_in_busy_and_idle(kernel):
    _, kc = kernel
    msg_id = kc.complete("Math.ab", 7)
    reply_to(kc, msg_id)
    states = []
    while len(states) < 2:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status":
            states.append(msg["content"]["execution_state"])
    assert states == ["busy", "idle"]


def test_error_traceback_points_at_the_cells_lines(kernel):
    _, kc = kernel
    code = 'function fail(n: number): number {\n\n  throw new RangeError("bad " + n);\n}\nfail(7)'
    reply, outputs = execute(kc, code)
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "RangeError"
    assert reply["content"]["evalue"] == "bad 7"
    error = [m for m in outputs if m["msg_type"] == "error"][0]["content"]
    assert any("line 3" in line and "throw new RangeError" in line for line in error["traceback"])


def test_a_runaway_recursion_fails_with_its_frame_once_and_the_kernel_goes_on(kernel):
    _, kc = kernel
    reply, outputs = execute(kc, "function deeper(n: number): number {\n  return deeper(n + 1) + 1;\n}\ndeeper(0)")
    assert reply["content"]["ename"] == "RangeError"
    assert "call stack" in reply["content"]["evalue"]
    traceback = [m for m in outputs if m["msg_type"] == "error"][0]["content"]["traceback"]
    frames = [line for line in traceback if "line 2 in deeper" in line]
    assert len(frames) == 1, traceback
    assert any("the frame above repeated" in line for line in traceback), traceback
    assert execute(kc, "1 + 1")[1][-1]["content"]["data"]["text/plain"] == "2"


def test_type_errors_are_reported_with_their_line(kernel):
    _, kc = kernel
    reply, _ = execute(kc, "const ok = 1;\nconst s: string = ok;")
    assert reply["content"]["ename"] == "TypeScriptError"
    assert reply["content"]["evalue"].startswith("line 2:")


def test_last_expression_is_an_execute_result_not_a_stream(kernel):
    _, kc = kernel
    _, outputs = execute(kc, "const q = { a: 1 };\nq")
    assert [m["msg_type"] for m in outputs] == ["execute_input", "execute_result"]
    assert outputs[1]["content"]["data"]["text/plain"] == "{ a: 1 }"


def test_jupyter_display_method_gives_the_bundle_with_json_as_an_object(kernel):
    _, kc = kernel
    code = (
        "({ [Symbol.for('Jupyter.display')]() { return { "
        "'application/vnd.deltalab.test.v1+json': { n: 3 }, 'text/plain': 'three' }; } })"
    )
    _, outputs = execute(kc, code)
    data = [m for m in outputs if m["msg_type"] == "execute_result"][0]["content"]["data"]
    assert data["application/vnd.deltalab.test.v1+json"] == {"n": 3}
    assert data["text/plain"] == "three"


def test_a_display_is_updated_in_place(kernel):
    _, kc = kernel
    code = (
        'import { newDisplay } from "deltalab";\n'
        "const handle = newDisplay();\n"
        'handle.show({ "text/plain": "step 1" });\n'
        'handle.show({ "text/plain": "step 2" });'
    )
    _, outputs = execute(kc, code)
    kinds = [(m["msg_type"], m["content"]["data"]["text/plain"]) for m in outputs if "data" in m["content"]]
    assert kinds == [("display_data", "step 1"), ("update_display_data", "step 2")]
    ids = {m["content"]["transient"]["display_id"] for m in outputs if "data" in m["content"]}
    assert len(ids) == 1


def test_queued_cells_are_aborted_after_an_error(kernel):
    _, kc = kernel
    failing = kc.execute("throw new Error('first')")
    queued = kc.execute("1 + 1")
    assert reply_to(kc, failing)["content"]["status"] == "error"
    assert reply_to(kc, queued)["content"]["status"] == "aborted"


def test_queued_cells_run_when_stop_on_error_is_false(kernel):
    _, kc = kernel
    failing = kc.execute("throw new Error('first')", stop_on_error=False)
    queued = kc.execute("40 + 2")
    assert reply_to(kc, failing)["content"]["status"] == "error"
    assert reply_to(kc, queued)["content"]["status"] == "ok"


def test_a_cell_sent_right_after_an_error_reply_runs(kernel):
    _, kc = kernel
    reply, _ = execute(kc, "throw new Error('again')")
    assert reply["content"]["status"] == "error"
    reply, outputs = execute(kc, "2 + 3")
    assert reply["content"]["status"] == "ok"
    assert outputs[-1]["content"]["data"]["text/plain"] == "5"


def test_an_unhandled_rejection_does_not_stop_the_kernel(kernel):
    _, kc = kernel
    reply, _ = execute(kc, "Promise.reject(new Error('nobody listens'));\n0")
    assert reply["content"]["status"] == "ok"
    reply, _ = execute(kc, "1")
    assert reply["content"]["status"] == "ok"


def test_a_command_with_a_bad_option_prints_its_usage(kernel):
    _, kc = kernel
    reply, outputs = execute(kc, "%derive r = w*x --wrt w --at w=1,x=2 --frobnicate")
    assert reply["content"]["ename"] == "UsageError"
    traceback = [m for m in outputs if m["msg_type"] == "error"][0]["content"]["traceback"]
    assert "unknown option --frobnicate" in traceback[0]
    assert traceback[1].startswith("usage: %derive")


def test_commands_complete_after_percent(kernel):
    _, kc = kernel
    msg_id = kc.complete("%he", 3)
    content = reply_to(kc, msg_id)["content"]
    assert content["matches"] == ["help"]
    assert (content["cursor_start"], content["cursor_end"]) == (1, 3)


def start_running(kc, code):
    """Sends `code` (prefixed to print a marker) and returns once the cell is running, past its compilation."""
    msg_id = kc.execute('console.log("running");\n' + code)
    while True:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "stream":
            time.sleep(0.2)
            return msg_id


def test_command_options_complete_after_double_dash(kernel):
    _, kc = kernel
    code = "%train net data --ep"
    content = reply_to(kc, kc.complete(code, len(code)))["content"]
    assert content["matches"] == ["--epochs"]
    assert (content["cursor_start"], content["cursor_end"]) == (len(code) - 4, len(code))


def interrupt_by_message(km, kc):
    msg = kc.session.msg("interrupt_request", {})
    kc.control_channel.send(msg)
    return reply_to(kc, msg["header"]["msg_id"], channel="control")


@pytest.mark.parametrize(
    "code",
    [
        "while (true) {}",
        "while (true) { await new Promise((r) => setTimeout(r, 5)); }",
        "await new Promise((r) => setTimeout(r, 5));\nwhile (true) {}",
    ],
    ids=["synchronous loop", "asynchronous loop", "synchronous loop after an await"],
)
def test_interrupt_request_stops_a_cell_and_the_kernel_stays_usable(kernel, code):
    km, kc = kernel
    execute(kc, "let survivor = 41;")
    msg_id = start_running(kc, code)
    assert interrupt_by_message(km, kc)["content"]["status"] == "ok"
    reply = reply_to(kc, msg_id, timeout=10)
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "Interrupted"
    collect_iopub(kc, msg_id)
    _, outputs = execute(kc, "survivor + 1")
    assert outputs[-1]["content"]["data"]["text/plain"] == "42"


def test_sigint_stops_a_synchronous_loop(kernel):
    km, kc = kernel
    msg_id = start_running(kc, "let spins = 0;\nwhile (true) { spins++; }")
    km.signal_kernel(signal.SIGINT)
    reply = reply_to(kc, msg_id, timeout=10)
    assert reply["content"]["ename"] == "Interrupted"
    collect_iopub(kc, msg_id)


def test_restart_gives_a_fresh_namespace(fresh_kernel):
    km, kc = fresh_kernel
    execute(kc, "let before = 1;")
    km.restart_kernel(now=False)
    kc.wait_for_ready(timeout=60)
    reply, _ = execute(kc, "typeof before")
    assert reply["content"]["status"] == "error"  # the name is gone: a type error
    reply, outputs = execute(kc, "1 + 1")
    assert outputs[-1]["content"]["data"]["text/plain"] == "2"


def test_deltalab_imports_from_a_folder_outside_the_repository(fresh_kernel):
    _, kc = fresh_kernel
    reply, outputs = execute(kc, 'import { derive } from "deltalab";\nconst d = derive("r = w*x", { wrt: ["w"], at: { w: 2, x: 3 } });\nd.gradients[0].analytic')
    assert reply["content"]["status"] == "ok", reply["content"]
    assert outputs[-1]["content"]["data"]["text/plain"] == "3"


def test_deltalab_imports_are_type_checked(fresh_kernel):
    _, kc = fresh_kernel
    reply, _ = execute(kc, 'import { derive } from "deltalab";\nconst n: string = derive("r = w", { wrt: ["w"], at: { w: 1 } }).output.length;')
    assert reply["content"]["ename"] == "TypeScriptError"


def test_comm_info_lists_open_comms_of_a_target(kernel):
    _, kc = kernel
    comm_id = uuid.uuid4().hex
    kc.shell_channel.send(kc.session.msg("comm_open", {"comm_id": comm_id, "target_name": "deltalab", "data": {}}))
    msg_id = kc.comm_info(target_name="deltalab")
    reply = reply_to(kc, msg_id)
    assert reply["msg_type"] == "comm_info_reply"
    assert reply["content"]["comms"][comm_id] == {"target_name": "deltalab"}
    kc.shell_channel.send(kc.session.msg("comm_close", {"comm_id": comm_id, "data": {}}))
    msg_id = kc.comm_info(target_name="deltalab")
    assert comm_id not in reply_to(kc, msg_id)["content"]["comms"]


def test_a_comm_to_an_unknown_target_is_closed(kernel):
    _, kc = kernel
    comm_id = uuid.uuid4().hex
    msg = kc.session.msg("comm_open", {"comm_id": comm_id, "target_name": "nobody", "data": {}})
    kc.shell_channel.send(msg)
    outputs = collect_iopub(kc, msg["header"]["msg_id"])
    assert [(m["msg_type"], m["content"]["comm_id"]) for m in outputs] == [("comm_close", comm_id)]


def test_a_message_with_a_bad_signature_is_dropped_and_logged_without_the_expected_one(tmp_path):
    log = tmp_path / "kernel.log"
    with open(log, "w") as stderr:
        km, kc = start_kernel(cwd=tmp_path, stderr=stderr)
    try:
        forged = Session(key=b"not-the-key", session=kc.session.session, username="tester")
        msg = forged.msg("execute_request", {"code": "1 + 1", "silent": False})
        forged.send(kc.shell_channel.socket, msg)
        with pytest.raises(Exception):
            reply_to(kc, msg["header"]["msg_id"], timeout=2)
        reply, _ = execute(kc, "3 + 4")
        assert reply["content"]["status"] == "ok"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    text = log.read_text()
    assert "invalid HMAC signature" in text
    frames = forged.serialize(msg)
    expected = km.session.sign(frames[2:6]).decode()
    assert expected not in text


def test_a_surface_view_can_ask_for_a_run_from_a_point(kernel):
    _, kc = kernel
    _, outputs = execute(kc, "%surface rosenbrock --optimizers bfgs --grid 5")
    payload = outputs[-1]["content"]["data"]["application/vnd.deltalab.loss-surface.v1+json"]
    surface_id = payload["session"]["surfaceId"]
    comm_id = uuid.uuid4().hex
    kc.shell_channel.send(kc.session.msg("comm_open", {"comm_id": comm_id, "target_name": "deltalab", "data": {}}))
    request = {"action": "run-from", "requestId": "r1", "surfaceId": surface_id, "optimizer": "bfgs", "point": [-1.0, 2.0]}
    kc.shell_channel.send(kc.session.msg("comm_msg", {"comm_id": comm_id, "data": request}))
    messages = []
    while not messages or messages[-1]["action"] != "path-end":
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["msg_type"] == "comm_msg" and msg["content"]["comm_id"] == comm_id:
            messages.append(msg["content"]["data"])
    points = [m for m in messages if m["action"] == "path-point"]
    assert points[0]["point"] == [-1.0, 2.0]
    assert abs(points[-1]["point"][0] - 1) < 1e-4 and abs(points[-1]["point"][1] - 1) < 1e-4  # Rosenbrock's minimizer
    assert messages[-1] == {"action": "path-end", "requestId": "r1", "reason": "converged"}


def test_interrupting_training_stops_it_and_leaves_the_model_usable(kernel):
    km, kc = kernel
    execute(kc, "%data --limit 512 --as shirts")
    execute(kc, "%model lenet5 --input 28 --as net")
    msg_id = kc.execute("%train net shirts --epochs 100 --batch 16")
    while True:  # wait until the training display has been updated once: the loop is running
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "update_display_data":
            break
    interrupt_by_message(km, kc)
    reply = reply_to(kc, msg_id, timeout=10)
    assert reply["content"]["ename"] == "Interrupted"
    updates = [m for m in collect_iopub(kc, msg_id) if m["msg_type"] == "update_display_data"]
    assert updates[-1]["content"]["data"]["application/vnd.deltalab.training.v1+json"]["status"] == "stopped"
    _, outputs = execute(kc, "Array.from(net.predict(Array.from(shirts.data.inputs).slice(0, 784))).every(Number.isFinite)")
    assert outputs[-1]["content"]["data"]["text/plain"] == "true"


def test_an_interrupt_that_arrives_while_the_cell_compiles_still_stops_it(kernel):
    km, kc = kernel
    msg_id = kc.execute("let turns = 0;\nwhile (true) { turns++; }")
    while True:  # execute_input goes out just before compilation starts
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "execute_input":
            break
    interrupt_by_message(km, kc)
    reply = reply_to(kc, msg_id, timeout=15)
    assert reply["content"]["ename"] == "Interrupted"
    collect_iopub(kc, msg_id)
    reply, _ = execute(kc, "1 + 1")
    assert reply["content"]["status"] == "ok"


def test_user_expressions_are_evaluated_after_the_cell(kernel):
    _, kc = kernel
    msg_id = kc.execute("let side = 6;", user_expressions={"area": "side * side", "broken": "side.nope()"})
    content = reply_to(kc, msg_id)["content"]
    assert content["user_expressions"]["area"] == {"status": "ok", "data": {"text/plain": "36"}, "metadata": {}}
    assert content["user_expressions"]["broken"]["status"] == "error"
    assert content["user_expressions"]["broken"]["ename"] == "TypeScriptError"


def test_silent_blank_and_unhistoried_cells_take_no_execution_count(fresh_kernel):
    # As IPython: silent runs publish nothing and, with store_history false and blank cells, leave the count alone.
    _, kc = fresh_kernel
    first = execute(kc, "1 + 1")[0]["content"]["execution_count"]
    msg_id = kc.execute("let hidden = 41", silent=True)
    assert reply_to(kc, msg_id)["content"]["status"] == "ok"
    assert execute(kc, "   \n")[0]["content"]["execution_count"] == first
    assert execute(kc, "hidden", store_history=False)[0]["content"]["execution_count"] == first
    reply, outputs = execute(kc, "hidden + 1")
    assert reply["content"]["execution_count"] == first + 1
    assert outputs[-1]["content"]["data"]["text/plain"] == "42"


def test_an_optimizer_written_in_a_cell_trains_like_a_built_in(kernel):
    _, kc = kernel
    code = (
        'import type { GradientTransform } from "deltalab";\n'
        "const halving: GradientTransform<null> = {\n"
        '  name: "halving",\n'
        "  init: () => null,\n"
        "  update(g, state, _theta, step) { for (let i = 0; i < g.length; i++) step[i] = -0.05 * g[i]; return state; },\n"
        "};"
    )
    assert execute(kc, code)[0]["content"]["status"] == "ok"
    execute(kc, "%data xor --count 4 --as xor")
    execute(kc, '%%model --as mlp\n{"inputShape": [2], "layers": [{"type": "dense", "units": 2}, {"type": "softmax"}]}')
    reply, outputs = execute(kc, "%train mlp xor --optimizer halving --epochs 2 --batch 4 --as run")
    assert reply["content"]["status"] == "ok", reply["content"]
    reply, outputs = execute(kc, "[run.optimizer, run.result.steps]")
    assert outputs[-1]["content"]["data"]["text/plain"] == "[ 'halving', 8 ]"
