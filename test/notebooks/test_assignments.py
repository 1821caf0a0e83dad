"""nbgrader on the deltalab kernel: the student version of each assignment is made from its source, and two
submissions are autograded, one right and one wrong; their scores are checked.

The course folder (assignments/) is copied to a temporary folder, so the test leaves no gradebook behind.
The right submission is written differently from the source's solutions (a rearranged formula, pooling by
Array.from, the delta's factors in another order); the wrong one passes the visible pooling test (it returns
the lecture's example) but not the hidden one.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT / "assignments"
BIN = Path(sys.executable).parent
ASSIGNMENT = "networks-by-hand"

SIGMA_U = "sigma(u1*x1 + u2*x2)"
RIGHT = {
    "q1-answer": (
        f'const dfdu1 = "x1*2*w2*(1 - {SIGMA_U})*{SIGMA_U}*'
        f'(w3*sigma(v1*x1 + v2*x2) + w2*{SIGMA_U} + w1*sigma(s1*x1 + s2*x2) - y)";'
    ),
    "q2-answer": (
        "function maxPool2x2(image: number[][]): number[][] {\n"
        "  return Array.from({ length: image.length / 2 }, (_, i) =>\n"
        "    Array.from({ length: image[0]!.length / 2 }, (_, j) =>\n"
        "      Math.max(...[0, 1].flatMap((u) => [0, 1].map((v) => image[2 * i + u]![2 * j + v]!)))));\n"
        "}"
    ),
    "q3-answer": "function outputDelta(y: number, t: number): number {\n  return y * (1 - y) * (y - t);\n}",
}
WRONG = {
    # the chain rule stopped before the sigmoid's derivative
    "q1-answer": (
        'const dfdu1 = "2*(w1*sigma(s1*x1 + s2*x2) + w2*sigma(u1*x1 + u2*x2) + w3*sigma(v1*x1 + v2*x2) - y)*w2*x1";'
    ),
    "q2-answer": "function maxPool2x2(image: number[][]): number[][] {\n  return [[6, 8], [3, 4]];\n}",
    # the delta of softmax with cross-entropy, not of the squared error
    "q3-answer": "function outputDelta(y: number, t: number): number {\n  return y - t;\n}",
}


def nbgrader(course, *args):
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    result = subprocess.run(
        [str(BIN / "nbgrader"), *args], cwd=course, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    shutil.copy(COURSE / "nbgrader_config.py", course)
    shutil.copytree(COURSE / "source", course / "source")
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    release = course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    student_version = json.loads(release.read_text())
    for student, answers in {"right": RIGHT, "wrong": WRONG}.items():
        notebook = json.loads(json.dumps(student_version))
        for cell in notebook["cells"]:
            grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
            if grade_id in answers:
                cell["source"] = answers[grade_id]
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(notebook))
    nbgrader(course, "autograde", ASSIGNMENT, "--create")
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        scores = {}
        for student in ("right", "wrong"):
            submission = gradebook.find_submission(ASSIGNMENT, student)
            scores[student] = {
                "total": submission.score,
                "max": submission.max_score,
                "grades": {g.name: g.score for n in submission.notebooks for g in n.grades},
            }
    return student_version, scores


def test_the_student_version_has_no_solutions_and_no_hidden_tests(graded):
    student_version, _ = graded
    text = "\n".join("".join(cell["source"]) for cell in student_version["cells"])
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
    assert "(y - t) * y * (1 - y)" not in text, "the solution of question 3 is still in the student version"
    assert text.count('throw new Error("not answered yet")') == 3


def test_a_right_submission_gets_every_point(graded):
    _, scores = graded
    assert scores["right"]["max"] == 5
    assert scores["right"]["total"] == 5, scores["right"]


def test_a_wrong_submission_gets_none(graded):
    _, scores = graded
    assert scores["wrong"]["grades"] == {"q1-test": 0, "q2-test": 0, "q3-test": 0}, scores["wrong"]
