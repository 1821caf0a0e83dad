/**
 * An exercise a student answers in a notebook: `exercise({...})` makes one, `%check NAME ANSWER` (or
 * `ex.check(answer)`) says right or wrong. Each wrong answer reveals the next hint of its ladder; `ex.hint()`
 * asks for the next hint without answering, and the expected answer is shown only by `ex.solution()` (or
 * `%check NAME --solution`). Every result displays itself (HTML and plain text).
 */
import { escapeHtml } from "../commands/html";
import { displayable, type Displayed } from "../commands/result";
import { compareAnswer, type Answer, type FormulaOptions, type Tolerance, type Verdict } from "./answer";

export interface ExerciseSpec {
  /** Where it comes from and what is asked, e.g. "Hand-derivation notes, exercise 1: df/dw_1". */
  title: string;
  /** The question, as text. */
  prompt?: string;
  /** The expected answer: a number, an array or matrix of numbers, or a formula (a string mathjs reads). */
  answer: Answer;
  /** Hints, from the gentlest to the most explicit. */
  hints?: string[];
  /** How the answer is found, shown with the answer on request. */
  solution?: string;
  tolerance?: Tolerance;
  /** For a formula: its variables and where it is compared. */
  formula?: FormulaOptions;
}

export interface CheckResult {
  title: string;
  correct: boolean;
  /** False when the answer could not be read (none yet, wrong kind, unparseable); such a try is not counted. */
  readable: boolean;
  /** The verdict's explanation (never the expected answer). */
  message: string;
  /** Counted tries so far (readable answers only). */
  attempts: number;
  /** The hint revealed by this wrong answer, if any. */
  hint?: string;
  /** Which hint of how many (1-based), when one is shown. */
  hintNumber?: number;
  hintCount: number;
}

export interface HintResult {
  title: string;
  hint?: string;
  hintNumber: number;
  hintCount: number;
}

export interface SolutionResult {
  title: string;
  answer: Answer;
  solution?: string;
}

function answerText(answer: Answer): string {
  return typeof answer === "string" ? answer : JSON.stringify(answer);
}

function checkBundle(result: CheckResult) {
  const verdict = result.correct ? "right" : result.readable ? "wrong" : "not checked";
  const lines = [`${verdict}: ${result.title}`, result.message];
  if (result.hint) lines.push(`hint ${result.hintNumber} of ${result.hintCount}: ${result.hint}`);
  if (!result.correct && result.readable)
    lines.push(
      "(try again; .hint() for the next hint, .solution() or %check NAME --solution for the answer)",
    );
  const color = result.correct ? "#1a7f37" : result.readable ? "#b42318" : "#6e6e6e";
  const html =
    `<div class="deltalab-check"><p><strong style="color:${color}">${verdict}</strong>: ${escapeHtml(result.title)}</p>` +
    `<p>${escapeHtml(result.message)}</p>` +
    (result.hint
      ? `<p><em>hint ${result.hintNumber} of ${result.hintCount}</em>: ${escapeHtml(result.hint)}</p>`
      : "") +
    `</div>`;
  return { "text/html": html, "text/plain": lines.join("\n") };
}

export class Exercise {
  private tries = 0;
  private hintsShown = 0;

  constructor(readonly spec: ExerciseSpec) {
    if (typeof spec?.title !== "string" || spec.title.trim() === "") {
      throw new TypeError(
        "exercise({ title, answer, ... }) needs a title: where the exercise comes from and what it asks",
      );
    }
    const kind = typeof spec.answer;
    if (!(kind === "number" || kind === "string" || Array.isArray(spec.answer))) {
      throw new TypeError(
        `exercise "${spec.title}": the answer must be a number, an array of numbers or a formula string, got ${kind}`,
      );
    }
  }

  get title(): string {
    return this.spec.title;
  }

  get attempts(): number {
    return this.tries;
  }

  /** Compares `given` with the answer; a wrong, readable answer reveals the next hint. */
  check(given: unknown): CheckResult & Displayed {
    const verdict: Verdict = compareAnswer(given, this.spec.answer, {
      ...(this.spec.tolerance ? { tolerance: this.spec.tolerance } : {}),
      ...(this.spec.formula ? { formula: this.spec.formula } : {}),
    });
    if (verdict.readable) this.tries++;
    const hints = this.spec.hints ?? [];
    const result: CheckResult = {
      title: this.spec.title,
      correct: verdict.correct,
      readable: verdict.readable,
      message: verdict.message,
      attempts: this.tries,
      hintCount: hints.length,
    };
    if (!verdict.correct && verdict.readable && this.hintsShown < hints.length) {
      result.hint = hints[this.hintsShown];
      result.hintNumber = ++this.hintsShown;
    }
    return displayable(result, checkBundle);
  }

  /** The next hint of the ladder (the last one again once all are shown). */
  hint(): HintResult & Displayed {
    const hints = this.spec.hints ?? [];
    if (this.hintsShown < hints.length) this.hintsShown++;
    const result: HintResult = {
      title: this.spec.title,
      hintNumber: this.hintsShown,
      hintCount: hints.length,
      ...(this.hintsShown > 0 ? { hint: hints[this.hintsShown - 1] } : {}),
    };
    return displayable(result, (r) => {
      const text = r.hint
        ? `hint ${r.hintNumber} of ${r.hintCount}: ${r.hint}`
        : "this exercise has no hints";
      return {
        "text/html": `<p>${escapeHtml(r.title)}: ${escapeHtml(text)}</p>`,
        "text/plain": `${r.title}\n${text}`,
      };
    });
  }

  /** The expected answer and how it is found. */
  solution(): SolutionResult & Displayed {
    const result: SolutionResult = {
      title: this.spec.title,
      answer: this.spec.answer,
      ...(this.spec.solution ? { solution: this.spec.solution } : {}),
    };
    return displayable(result, (r) => ({
      "text/html":
        `<p>${escapeHtml(r.title)}: the answer is <code>${escapeHtml(answerText(r.answer))}</code></p>` +
        (r.solution ? `<p>${escapeHtml(r.solution)}</p>` : ""),
      "text/plain": [
        `${r.title}`,
        `answer: ${answerText(r.answer)}`,
        ...(r.solution ? [r.solution] : []),
      ].join("\n"),
    }));
  }

  [Symbol.for("Jupyter.display")]() {
    const prompt = this.spec.prompt ? `\n${this.spec.prompt}` : "";
    const kind =
      typeof this.spec.answer === "number"
        ? "a number"
        : typeof this.spec.answer === "string"
          ? "a formula (a string)"
          : "an array of numbers";
    return {
      "text/html":
        `<p><strong>Exercise</strong>: ${escapeHtml(this.spec.title)}</p>` +
        (this.spec.prompt ? `<p>${escapeHtml(this.spec.prompt)}</p>` : "") +
        `<p><em>answer with ${kind}</em></p>`,
      "text/plain": `Exercise: ${this.spec.title}${prompt}\nanswer with ${kind}`,
    };
  }
}

/** Makes an exercise; see `ExerciseSpec`. */
export function exercise(spec: ExerciseSpec): Exercise {
  return new Exercise(spec);
}

/** Whether a value is an exercise (also one made by another copy of this module). */
export function isExercise(value: unknown): value is Exercise {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Partial<Exercise>).check === "function" &&
    typeof (value as Partial<Exercise>).solution === "function" &&
    typeof (value as Partial<Exercise>).hint === "function"
  );
}
