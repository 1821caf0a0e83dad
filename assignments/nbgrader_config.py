"""nbgrader's configuration for deltalab's assignments (TypeScript notebooks on the deltalab kernel).

`npm run assignments` makes the student versions in release/ from source/; a teacher collects submissions into
submitted/<student>/<assignment>/ and runs `nbgrader autograde <assignment>` here (see README.md in this folder).
"""

c = get_config()  # noqa: F821 (nbgrader's config loader defines get_config)

c.CourseDirectory.root = "."
c.CourseDirectory.course_id = "deltalab"

# Solution regions are TypeScript comments; they are replaced by a stub that fails when run unanswered.
c.ClearSolutions.begin_solution_delimeter = "// BEGIN SOLUTION"
c.ClearSolutions.end_solution_delimeter = "// END SOLUTION"
c.ClearSolutions.code_stub = {
    "typescript": '// YOUR CODE HERE\nthrow new Error("not answered yet");',
}
c.ClearHiddenTests.begin_test_delimeter = "// BEGIN HIDDEN TESTS"
c.ClearHiddenTests.end_test_delimeter = "// END HIDDEN TESTS"

# The deltalab kernel starts in a few seconds; a cell of these assignments runs in well under a minute.
c.ExecutePreprocessor.timeout = 120
c.ExecutePreprocessor.startup_timeout = 120
