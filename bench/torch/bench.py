"""PyTorch (CPU) side of deltalab's benchmark: the same workloads as bench/workloads/cases.mjs.

Reads the plan (cases and workload list) as JSON on stdin and prints one JSON line per result, in the format of
bench/workloads/worker.mjs. Usage: node -e "..." | bench/.venv-torch/bin/python bench/torch/bench.py [--only TEXT]
"""

import json
import statistics
import sys
import time

import torch
import torch.nn as nn

RUNS = 7
WARMUP_S = 1.0
MIN_SAMPLE_S = 0.02


def emit(record):
    print(json.dumps(record), flush=True)


def measure(fn, runs=RUNS, warmup=1, min_sample_s=MIN_SAMPLE_S, warmup_s=WARMUP_S):
    """Warm-up calls for at least warmup_s (at least `warmup` of them), then `runs` samples, each repeating the call
    until it has lasted min_sample_s (as bench/workloads/stats.mjs)."""
    warmup_start = time.perf_counter()
    done = 0
    while done < warmup or (warmup > 0 and time.perf_counter() - warmup_start < warmup_s):
        fn()
        done += 1
    start = time.perf_counter()
    fn()
    probe = time.perf_counter() - start
    repeat = max(1, -(-min_sample_s // max(probe, 1e-6)))
    repeat = int(repeat)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(repeat):
            fn()
        samples.append((time.perf_counter() - start) / repeat * 1000)
    return {
        "medianMs": statistics.median(samples),
        "minMs": min(samples),
        "maxMs": max(samples),
        "runs": len(samples),
        "repeat": repeat,
    }


def best_of_threads(run):
    """Runs `run()` (a measure() result) with 1 and with 2 threads and keeps the faster median.

    On a loaded 2-core machine two OpenMP threads can wait on each other far longer than the work takes, so the
    thread count that fits the load is kept, and the result says which it was.
    """
    results = {}
    for threads in (1, 2):
        torch.set_num_threads(threads)
        results[threads] = run()
    best = min(results, key=lambda t: results[t]["medianMs"])
    other = 3 - best
    note = f"{best} thread{'s' if best > 1 else ''} (with {other}: {results[other]['medianMs']:.3g} ms)"
    return {**results[best], "threads": best, "note": note}


def seeded(*shape, seed=1):
    generator = torch.Generator().manual_seed(seed)
    return torch.rand(*shape, generator=generator) * 2 - 1


def conv(case, op):
    n, cin, cout, h, w, k = (case[key] for key in ("batch", "cin", "cout", "h", "w", "k"))
    stride, pad = case["stride"], case["pad"]
    x = seeded(n, cin, h, w, seed=1)
    weight = seeded(cout, cin, k, k, seed=3)
    with torch.no_grad():
        y = torch.nn.functional.conv2d(x, weight, stride=stride, padding=pad)
    dy = seeded(*y.shape, seed=2)
    args = ([stride, stride], [pad, pad], [1, 1], False, [0, 0], 1)
    backward = torch.ops.aten.convolution_backward
    calls = {
        "forward": lambda: torch.nn.functional.conv2d(x, weight, stride=stride, padding=pad),
        "backward-input": lambda: backward(dy, x, weight, None, *args, [True, False, False]),
        "backward-filter": lambda: backward(dy, x, weight, None, *args, [False, True, False]),
    }
    with torch.no_grad():
        return measure(calls[op])


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2),
        nn.Tanh(),
        nn.AvgPool2d(2),
        nn.Conv2d(6, 16, 5),
        nn.Tanh(),
        nn.AvgPool2d(2),
        nn.Conv2d(16, 120, 5),
        nn.Tanh(),
        nn.Flatten(),
        nn.Linear(120, 84),
        nn.Tanh(),
        nn.Linear(84, 10),
    )


def lenet_workload(kind, batch, epoch_data):
    torch.manual_seed(0)
    model = lenet()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()

    def step(x, labels):
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), labels)
        loss.backward()
        optimizer.step()

    if kind == "lenet-epoch":
        images, labels = epoch_data()
        count = images.shape[0]

        def epoch():
            order = torch.randperm(count)
            for start in range(0, count, batch):
                index = order[start : start + batch]
                step(images[index], labels[index])

        return measure(epoch, runs=1, warmup=0, min_sample_s=0)
    x = (seeded(batch, 1, 28, 28, seed=7) + 1) / 2
    labels = torch.arange(batch) % 10
    if kind == "lenet-inference":
        with torch.no_grad():
            return measure(lambda: torch.softmax(model(x), dim=1))
    return measure(lambda: step(x, labels))


def landscape_grid(grid, images_and_labels):
    """The loss over a grid of points on a random plane through LeNet-5's parameters, on the first images of
    Fashion-MNIST's training split: one forward pass of all the images per point (deltalab's landscape-grid)."""
    torch.manual_seed(0)
    model = lenet()
    images, labels = images_and_labels()
    images, labels = images[: grid["images"]], labels[: grid["images"]]
    center = nn.utils.parameters_to_vector(model.parameters()).detach()
    d1 = 0.1 * seeded(center.numel(), seed=11)
    d2 = 0.1 * seeded(center.numel(), seed=12)
    axis = torch.linspace(-1, 1, grid["points"])
    loss_fn = nn.CrossEntropyLoss()

    def surface():
        with torch.no_grad():
            for alpha in axis:
                for beta in axis:
                    nn.utils.vector_to_parameters(center + alpha * d1 + beta * d2, model.parameters())
                    loss_fn(model(images), labels)

    return measure(surface, runs=1, warmup=0, min_sample_s=0)


def fashion_train():
    """Fashion-MNIST's training split from the IDX files, as @deltalab/core's loader finds them."""
    import gzip
    import os

    folder = os.environ.get("DELTALAB_FASHION_MNIST", "/usr/share/datasets/fashion-mnist")

    def read(name, offset):
        for candidate in (name, name + ".gz"):
            path = os.path.join(folder, candidate)
            if os.path.exists(path):
                opener = gzip.open if candidate.endswith(".gz") else open
                with opener(path, "rb") as handle:
                    return handle.read()[offset:]
        raise FileNotFoundError(f"{name}[.gz] not found in {folder}")

    pixels = torch.frombuffer(bytearray(read("train-images-idx3-ubyte", 16)), dtype=torch.uint8)
    labels = torch.frombuffer(bytearray(read("train-labels-idx1-ubyte", 8)), dtype=torch.uint8)
    return pixels.float().div(255).reshape(-1, 1, 28, 28), labels.long()


def gemm(size):
    a = seeded(size, size, seed=4)
    b = seeded(size, size, seed=5)
    return measure(lambda: torch.mm(a, b), min_sample_s=0)


def main():
    plan = json.load(sys.stdin)
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
    step_threads = {}
    emit(
        {
            "implementation": "pytorch",
            "info": {
                "version": torch.__version__,
                "threads": "the faster of 1 and 2 per workload (the epoch: the training step's)",
                "cpuCapability": torch.backends.cpu.get_cpu_capability(),
                "mkldnn": torch.backends.mkldnn.is_available(),
            },
        }
    )
    for workload in plan["workloads"]:
        kind = workload["kind"]
        ops = workload.get("ops", [None]) if kind == "conv" else [None]
        for op in ops:
            label = f"conv {workload['case']['id']} {op}" if kind == "conv" else kind
            if only is not None and only not in label:
                continue
            key = {"implementation": "pytorch", "workload": kind, "case": workload.get("case", {}).get("id"), "op": op}
            try:
                if kind == "conv":
                    result = best_of_threads(lambda: conv(workload["case"], op))
                elif kind == "gemm":
                    result = best_of_threads(lambda: gemm(plan["gemm"]))
                elif kind == "lenet-epoch":
                    threads = step_threads.get("threads", 2)
                    torch.set_num_threads(threads)
                    result = lenet_workload(kind, plan["lenetBatch"], fashion_train)
                    result["note"] = f"{threads} thread(s), the faster for the training step"
                elif kind == "landscape-grid":
                    threads = step_threads.get("inference", 2)
                    torch.set_num_threads(threads)
                    result = landscape_grid(plan["grid"], fashion_train)
                    result["note"] = f"{threads} thread(s), the faster for inference; all images in one batch"
                elif kind.startswith("lenet"):
                    result = best_of_threads(lambda: lenet_workload(kind, plan["lenetBatch"], fashion_train))
                    if kind == "lenet-train-step":
                        step_threads["threads"] = result["threads"]
                    if kind == "lenet-inference":
                        step_threads["inference"] = result["threads"]
                else:
                    continue
                emit({**key, **result})
            except Exception as error:  # a failing workload is reported, never fatal
                emit({**key, "unavailable": f"{type(error).__name__}: {error}"[:300]})


if __name__ == "__main__":
    main()
