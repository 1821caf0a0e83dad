"""Runs scipy.optimize on the More-Garbow-Hillstrom problems served by problem-server.mjs.

Usage: python scipy_runner.py <path to problem-server.mjs>
Prints one JSON list of results to stdout. Every run uses the same objective as deltalab, f = 1/2 ||r||^2,
with g = J^T r, from the same standard starting point.
"""

import json
import subprocess
import sys
import warnings

import numpy as np
from scipy.optimize import least_squares, minimize

GRADIENT_TOLERANCE = 1e-8
MAX_ITERATIONS = 5000


class ProblemClient:
    def __init__(self, server):
        self.process = subprocess.Popen(
            ["node", server], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )

    def call(self, request):
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        reply = json.loads(self.process.stdout.readline())
        if "error" in reply:
            raise RuntimeError(reply["error"])
        return reply

    def evaluate(self, index, op, x):
        reply = self.call({"op": op, "problem": index, "x": [float(v) for v in x]})
        r = np.array(reply["r"], dtype=float) if "r" in reply else None
        J = np.array(reply["J"], dtype=float) if "J" in reply else None
        return r, J

    def close(self):
        self.process.stdin.close()
        self.process.wait()


def run_problem(client, index, meta):
    x0 = np.array(meta["start"], dtype=float)

    def fun_and_grad(x):
        r, J = client.evaluate(index, "rJ", x)
        return 0.5 * float(r @ r), J.T @ r

    def hessp(x, v):
        _, J = client.evaluate(index, "J", x)
        return J.T @ (J @ v)

    def residuals(x):
        return client.evaluate(index, "r", x)[0]

    def jacobian(x):
        return client.evaluate(index, "J", x)[1]

    runs = {
        "CG": lambda: minimize(
            fun_and_grad, x0, jac=True, method="CG", options={"gtol": GRADIENT_TOLERANCE, "maxiter": MAX_ITERATIONS}
        ),
        "BFGS": lambda: minimize(
            fun_and_grad, x0, jac=True, method="BFGS", options={"gtol": GRADIENT_TOLERANCE, "maxiter": MAX_ITERATIONS}
        ),
        "L-BFGS-B": lambda: minimize(
            fun_and_grad,
            x0,
            jac=True,
            method="L-BFGS-B",
            options={"gtol": GRADIENT_TOLERANCE, "ftol": 1e-15, "maxiter": MAX_ITERATIONS, "maxfun": 10 * MAX_ITERATIONS},
        ),
        "Newton-CG": lambda: minimize(
            fun_and_grad,
            x0,
            jac=True,
            hessp=hessp,
            method="Newton-CG",
            options={"xtol": 1e-10, "maxiter": MAX_ITERATIONS},
        ),
        "least_squares lm": lambda: least_squares(
            residuals, x0, jac=jacobian, method="lm", x_scale="jac", max_nfev=10 * MAX_ITERATIONS
        ),
    }
    results = []
    for method, run in runs.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = run()
            f = float(res.cost) if method == "least_squares lm" else float(res.fun)
            results.append(
                {
                    "problem": index,
                    "method": method,
                    "f": f if np.isfinite(f) else None,
                    "iterations": int(getattr(res, "nit", 0) or 0) if method != "least_squares lm" else None,
                    "functionEvaluations": int(res.nfev),
                    "gradientEvaluations": int(res.njev) if getattr(res, "njev", None) is not None else None,
                    "hessianProducts": int(getattr(res, "nhev", 0) or 0) if method == "Newton-CG" else None,
                    "message": str(res.message),
                }
            )
        except Exception as error:  # a failed run is a result too: report it, go on
            results.append({"problem": index, "method": method, "f": None, "message": f"error: {error}"})
    return results


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: scipy_runner.py <problem-server.mjs>")
    client = ProblemClient(sys.argv[1])
    try:
        problems = client.call({"op": "list"})
        results = []
        for index, meta in enumerate(problems):
            results.extend(run_problem(client, index, meta))
        json.dump(results, sys.stdout)
    finally:
        client.close()


if __name__ == "__main__":
    main()
