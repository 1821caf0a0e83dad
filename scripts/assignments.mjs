#!/usr/bin/env node
// `npm run assignments`: sets up what is missing (as `npm run setup` does), then makes the student version of
// every assignment in assignments/source/ with nbgrader (`nbgrader generate_assignment`, configured by
// assignments/nbgrader_config.py): solution regions between `// BEGIN SOLUTION` and `// END SOLUTION` become a
// stub that throws, hidden tests between `// BEGIN HIDDEN TESTS` and `// END HIDDEN TESTS` are removed. The
// student versions are written to assignments/release/<assignment>/.
// `--skip-setup` runs nbgrader without the set-up (the notebooks test layer calls it after `npm test`'s set-up).
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { root, setup, SetupError, venvBin } from "./setup.mjs";

export const course = join(root, "assignments");

export function assignmentNames() {
  const source = join(course, "source");
  return readdirSync(source).filter((name) => statSync(join(source, name)).isDirectory());
}

/** Runs nbgrader in the course folder with the environment's bin first on PATH (nbgrader calls alembic). */
export function nbgrader(args) {
  const result = spawnSync(join(venvBin, "nbgrader"), args, {
    cwd: course,
    stdio: "inherit",
    env: { ...process.env, PATH: `${venvBin}:${process.env.PATH ?? ""}` },
  });
  if (result.error) throw new SetupError(`could not run nbgrader: ${result.error.message}`);
  if (result.status !== 0)
    throw new SetupError(`\`nbgrader ${args.join(" ")}\` failed with exit code ${result.status}`);
}

function main() {
  if (!process.argv.includes("--skip-setup")) setup();
  const names = assignmentNames();
  if (names.length === 0) throw new SetupError(`no assignments in ${join(course, "source")}`);
  for (const name of names) nbgrader(["generate_assignment", name, "--force"]);
  console.log(`[assignments] student versions of ${names.join(", ")} in ${join(course, "release")}`);
}

try {
  main();
} catch (error) {
  if (error instanceof SetupError) {
    console.error(`[assignments] ${error.message}`);
    process.exit(1);
  }
  throw error;
}
