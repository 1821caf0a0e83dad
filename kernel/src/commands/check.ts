/**
 * `%check NAME ANSWER`: checks a student's answer to the exercise bound to NAME (made with `exercise` from
 * deltalab). ANSWER is a number, an array in JSON ([[6, 8], [3, 4]]), a formula ("2*x*y"), or the name of a
 * notebook variable holding one of these. `--hint` shows the next hint, `--solution` the expected answer.
 */
import { isExercise, type Exercise } from "../exercises/exercise";
import type { CommandContext } from "./commandContext";
import { UsageError } from "./parse";
import { flagOption, type CommandSpec } from "./spec";

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** The exercise bound to `name`; a UsageError when the variable is missing or holds something else. */
export function exerciseNamed(name: string, context: CommandContext): Exercise {
  const value = context.lookup(name);
  if (!isExercise(value)) {
    throw new UsageError(
      `${name} is not an exercise; make one with exercise({ title, answer, hints }) from "deltalab" and bind it to ${name}`,
    );
  }
  return value;
}

/**
 * The answer from the words after NAME: one word that names a notebook variable is that variable's value;
 * anything else is the text itself (the checker reads numbers, JSON arrays and formulas from text).
 */
export function answerFromWords(words: string[], context: CommandContext): unknown {
  if (words.length === 0) return undefined;
  const text = words.join(" ");
  if (words.length === 1 && IDENTIFIER.test(text) && context.names().includes(text))
    return context.lookup(text);
  return text;
}

export const checkSpec: CommandSpec = {
  name: "check",
  summary:
    "checks an answer to an exercise: right or wrong, with a ladder of hints; the answer only on request",
  positional: [
    { name: "EXERCISE", description: "the variable holding the exercise (made with exercise({...}))" },
    {
      name: "ANSWER",
      description: "a number, an array in JSON, a formula, or a variable holding one",
      optional: true,
      rest: true,
    },
  ],
  options: [
    { name: "hint", kind: "flag", description: "show the next hint instead of checking" },
    { name: "solution", kind: "flag", description: "show the expected answer and how it is found" },
  ],
  examples: [
    "%check poolExample [[6, 8], [3, 4]]",
    '%check dfdu1 "2*(w1*z1 + w2*z2 + w3*z3 - y)*w2*z2*(1 - z2)*x1"',
    "%check paramsFull myAnswer",
    "%check dfdu1 --hint",
    "%check dfdu1 --solution",
  ],
  run: async (args, context) => {
    const [name = "", ...words] = args.positional;
    const target = exerciseNamed(name, context);
    if (flagOption(args, "solution")) return target.solution();
    if (flagOption(args, "hint")) return target.hint();
    return target.check(answerFromWords(words, context));
  },
};
