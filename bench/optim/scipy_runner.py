"""Runs scipy.optimize on the More-Garbow-Hillstrom problems served by problem-server.mjs.

Usage: python scipy_runner.py <path to problem-server.mjs> [tight|scipy]
Prints one JSON list of results to stdout, from the same standard starting points as deltalab.

tight (the default): f = 1/2 ||r||^2, gradient tolerance 1e-8 (L-BFGS-B's ftol 1e-15), at most 5000 iterations.
scipy: F = sum r_i^2 with scipy's own defaults (gtol 1e-5 for CG, BFGS and L-BFGS-B, their default budgets).
least_squares lm runs with MINPACK's defaults in both.

Every result carries `newPoints`: the number of distinct points x at which the objective (for lm: the residuals)
was evaluated, counted by a wrapper around the function scipy is given, independent of scipy's own nfev.
"""

import json
import subprocess
import sys
import warnings

import numpy as np
from scipy.optimize import least_squares, minimize

GRADIENT_TOLERANCE = 1e-8
MAX_ITERATIONS = 5000


class NewPointCounter:
    """Counts the distinct points a function is evaluated at (a repeat at the same x is not a new evaluation) and
    keeps f = 1/2 ||r||^2 at each new point, in order: the history a data profile reads."""

    def __init__(self):
        self.seen = set()
        self.history = []

    def see(self, x, r):
        key = np.asarray(x, dtype=float).tobytes()
        if key not in self.seen:
            self.seen.add(key)
            f = 0.5 * float(r @ r)
            self.history.append(f if np.isfinite(f) else None)

    def clear(self):
        self.seen.clear()
        self.history = []

    @property
    def count(self):
        return len(self.seen)


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


def run_problem(client, index, meta, mode):
    x0 = np.array(meta["start"], dtype=float)
    counter = NewPointCounter()
    scale = 1.0 if mode == "scipy" else 0.5

    def fun_and_grad(x):
        r, J = client.evaluate(index, "rJ", x)
        counter.see(x, r)
        return scale * float(r @ r), 2 * scale * (J.T @ r)

    def hessp(x, v):
        _, J = client.evaluate(index, "J", x)
        return J.T @ (J @ v)

    def residuals(x):
        r = client.evaluate(index, "r", x)[0]
        counter.see(x, r)
        return r

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
    if mode == "scipy":
        runs = {
            "CG": lambda: minimize(fun_and_grad, x0, jac=True, method="CG"),
            "BFGS": lambda: minimize(fun_and_grad, x0, jac=True, method="BFGS"),
            "L-BFGS-B": lambda: minimize(fun_and_grad, x0, jac=True, method="L-BFGS-B"),
            "least_squares lm": runs["least_squares lm"],
        }
    results = []
    for method, run in runs.items():
        counter.clear()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = run()
            # reported as 1/2 ||r||^2 in both modes, the scale deltalab's problems and minima use
            f = float(res.cost) if method == "least_squares lm" else float(res.fun) * 0.5 / scale
            results.append(
                {
                    "problem": index,
                    "method": method,
                    "f": f if np.isfinite(f) else None,
                    "iterations": int(getattr(res, "nit", 0) or 0) if method != "least_squares lm" else None,
                    "functionEvaluations": int(res.nfev),
                    "gradientEvaluations": int(res.njev) if getattr(res, "njev", None) is not None else None,
                    "hessianProducts": int(getattr(res, "nhev", 0) or 0) if method == "Newton-CG" else None,
                    "newPoints": counter.count,
                    "history": counter.history,
                    "message": str(res.message),
                }
            )
        except Exception as error:  # a failed run is a result too: report it, go on
            results.append({"problem": index, "method": method, "f": None, "message": f"error: {error}"})
    return results


def main():
    if len(sys.argv) not in (2, 3) or (len(sys.argv) == 3 and sys.argv[2] not in ("tight", "scipy")):
        sys.exit("usage: scipy_runner.py <problem-server.mjs> [tight|scipy]")
    mode = sys.argv[2] if len(sys.argv) == 3 else "tight"
    client = ProblemClient(sys.argv[1])
    try:
        problems = client.call({"op": "list"})
        results = []
        for index, meta in enumerate(problems):
            results.extend(run_problem(client, index, meta, mode))
        json.dump(results, sys.stdout)
    finally:
        client.close()


if __name__ == "__main__":
    main()
