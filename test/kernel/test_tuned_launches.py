"""`%tune step` then `%train --device webgpu` in the real kernel: the training payload names the launch of every
tunable operation of the step, each one tuned. Skipped where no WebGPU adapter opens."""

from __future__ import annotations

import json

import pytest

from conftest import execute

TRAINING_MIME = "application/vnd.deltalab.training.v1+json"


def test_tune_step_then_train_on_webgpu_names_the_tuned_launches(fresh_kernel, tmp_path):
    _, kc = fresh_kernel
    cache = tmp_path / "tuning.json"
    execute(kc, f"process.env.DELTALAB_TUNING_CACHE = {json.dumps(str(cache))};")
    execute(kc, "%data xor --count 4 --as xor")
    model = (
        '{"inputShape": [2], "dtype": "float32", "layers": '
        '[{"type": "dense", "units": 4, "activation": "tanh"}, {"type": "dense", "units": 2}, {"type": "softmax"}]}'
    )
    execute(kc, f"%%model --as net\n{model}")
    reply, _ = execute(kc, "%tune step --model net --batch 4 --k 2 --runs 1 --warmup 0", timeout=120)
    if reply["content"]["status"] != "ok":
        assert "no WebGPU device opened" in reply["content"]["evalue"], reply["content"]
        pytest.skip("no WebGPU adapter opens on this machine")
    assert cache.exists()
    reply, outputs = execute(kc, "%train net xor --optimizer sgd --epochs 1 --batch 4 --device webgpu", timeout=120)
    assert reply["content"]["status"] == "ok", reply["content"]
    payloads = [
        o["content"]["data"][TRAINING_MIME]
        for o in outputs
        if o["msg_type"] in ("display_data", "update_display_data", "execute_result")
        and TRAINING_MIME in o["content"].get("data", {})
    ]
    launches = payloads[-1]["launches"]
    assert [launch["operator"] for launch in launches] == ["matmul", "activation-forward", "matmul"]
    assert all(launch["source"] == "tuned" for launch in launches)
    assert launches[0]["shape"] == {"M": 4, "N": 4, "K": 2}
