"""Start-up time, a trivial cell's round trip and resident memory of two Jupyter kernels, driven by jupyter_client.

Start-up: from launching the process to the first kernel_info reply (wait_for_ready). First result: from launching
the process to the end of its first cell, `1 + 1` sent as soon as the kernel is ready (what a user who runs a
cell at once waits for). Round trip: execute_request of `1 + 1` to the idle status that closes it, on the shell and
iopub channels. Idle memory: the kernel process's resident memory after its first cell and 3 s of rest. Prints one
JSON line per result in the format of bench/workloads/worker.mjs. Usage: .venv/bin/python kernel_startup.py NAME ARGV_JSON [STARTS] [CELLS]
where ARGV_JSON is the kernel's command line with "{connection_file}" in it.
"""

import json
import statistics
import sys
import time

import psutil

from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpec


def memory_summary(samples_mb):
    return {
        "mb": statistics.median(samples_mb),
        "minMb": min(samples_mb),
        "maxMb": max(samples_mb),
        "runs": len(samples_mb),
        "repeat": 1,
    }


def summary(samples):
    return {
        "medianMs": statistics.median(samples),
        "minMs": min(samples),
        "maxMs": max(samples),
        "runs": len(samples),
        "repeat": 1,
    }


def start(argv):
    manager = KernelManager()
    manager._kernel_spec = KernelSpec(argv=argv, display_name="bench", language="typescript")
    began = time.perf_counter()
    manager.start_kernel()
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=120)
    return manager, client, (time.perf_counter() - began) * 1000


def round_trip(client):
    began = time.perf_counter()
    msg_id = client.execute("1 + 1")
    while True:
        message = client.get_iopub_msg(timeout=60)
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            break
    client.get_shell_msg(timeout=60)
    return (time.perf_counter() - began) * 1000


def main():
    name, argv = sys.argv[1], json.loads(sys.argv[2])
    starts = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    cells = int(sys.argv[4]) if len(sys.argv) > 4 else 7
    startup = []
    first_results = []
    memory = []
    trips = []
    for attempt in range(starts):
        manager, client, elapsed = start(argv)
        try:
            startup.append(elapsed)
            first_results.append(elapsed + round_trip(client))
            time.sleep(3)
            memory.append(psutil.Process(manager.provisioner.pid).memory_info().rss / 2**20)
            if attempt == 0:
                trips = [round_trip(client) for _ in range(cells)]
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)
    base = {"implementation": name, "workload": "kernel"}
    print(json.dumps({**base, "op": "start-up", **summary(startup)}), flush=True)
    print(json.dumps({**base, "op": "first-result", **summary(first_results)}), flush=True)
    print(json.dumps({**base, "op": "round-trip", **summary(trips)}), flush=True)
    print(json.dumps({**base, "op": "idle-memory", **memory_summary(memory)}), flush=True)


if __name__ == "__main__":
    main()
