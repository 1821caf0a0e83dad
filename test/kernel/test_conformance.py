"""The deltalab kernel against jupyter_kernel_test (messaging-spec conformance, schema-validated replies)."""

from __future__ import annotations

import unittest

import jupyter_kernel_test as jkt

import conftest  # noqa: F401  (installs the kernelspec and sets JUPYTER_PATH)


class DeltalabKernelTests(jkt.KernelTests):
    kernel_name = "deltalab"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("oops")'

    completion_samples = [{"text": "Math.flo", "matches": {"floor"}}, {"text": "[1].fil", "matches": {"fill", "filter"}}]

    complete_code_samples = ["1 + 1", "let x = 3;", "function f() {\n  return 1;\n}"]
    incomplete_code_samples = ["function f() {", "let a = [1,", "if (true) {\n  let b = 1;"]
    invalid_code_samples = ["let 1x = 2;", "1 +* 2"]

    code_generate_error = 'throw new Error("deliberate")'

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"deltalab".length', "result": "8"},
        {"code": "[1, 2, 3].map((v) => v * v)", "result": "[ 1, 4, 9 ]"},
    ]

    code_display_data = [
        {
            "code": 'import { display } from "deltalab";\nawait display({ [Symbol.for("Jupyter.display")]: () => ({ "text/html": "<b>hi</b>" }) })',
            "mime": "text/html",
        },
        {
            "code": 'import { display } from "deltalab";\nawait display("plain words")',
            "mime": "text/plain",
        },
    ]

    code_history_pattern = "6 * *"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "Math.max"

    code_clear_output = 'import { clearOutput } from "deltalab";\nclearOutput()'


if __name__ == "__main__":
    unittest.main()
