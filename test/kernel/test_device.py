"""`%train --device webgpu` in the real kernel: the steps run on core's registered WebGPU backend (registered by
@deltalab/shaders, which the kernel loads) and give the CPU run's batch losses within Float32 rounding. Skipped where
no WebGPU adapter opens."""

from __future__ import annotations

import json

import pytest

from conftest import execute

TRAIN = "%train net xor --optimizer momentum --lr 0.1 --epochs 2 --batch 4 --seed 3"


def value(kc, expression: str):
    reply, outputs = execute(kc, f"JSON.stringify({expression})")
    assert reply["content"]["status"] == "ok", reply["content"]
    text = outputs[-1]["content"]["data"]["text/plain"]
    return json.loads(text[1:-1])  # the inspected string: the JSON between single quotes


def test_train_on_webgpu_gives_the_cpu_runs_losses(fresh_kernel):
    _, kc = fresh_kernel
    execute(kc, "%data xor --count 2 --as xor")
    model = (
        '{"inputShape": [2], "dtype": "float32", "layers": '
        '[{"type": "dense", "units": 3, "activation": "tanh"}, {"type": "dense", "units": 2}, {"type": "softmax"}]}'
    )
    execute(kc, f"%%model --as net\n{model}")
    execute(kc, "const start = net.getParameters();")
    reply, _ = execute(kc, f"{TRAIN} --device webgpu --as gpu", timeout=120)
    if reply["content"]["status"] != "ok":
        assert "no WebGPU device opened" in reply["content"]["evalue"], reply["content"]
        pytest.skip("no WebGPU adapter opens on this machine")
    assert value(kc, "gpu.device").startswith("WebGPU (")
    execute(kc, "net.setParameters(start);")
    reply, _ = execute(kc, f"{TRAIN} --device cpu --as cpu")
    assert reply["content"]["status"] == "ok", reply["content"]
    on_device = value(kc, "gpu.curves.train.loss")
    on_cpu = value(kc, "cpu.curves.train.loss")
    assert len(on_device) == len(on_cpu) == 4
    assert all(abs(a - b) <= 1e-5 + 1e-5 * abs(b) for a, b in zip(on_device, on_cpu))
