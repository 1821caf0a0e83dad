/**
 * The inputs (and text outputs) of this session, for history_request (messaging spec, "History"). Entries are
 * (session, line_number, input) or (session, line_number, [input, output]) with `output`. Search patterns are
 * globs, as in IPython: `*` matches anything, `?` one character.
 */
export type HistoryEntry = [number, number, string] | [number, number, [string, string | null]];

export interface HistoryRequest {
  output?: boolean;
  hist_access_type?: string;
  session?: number;
  start?: number;
  stop?: number | null;
  n?: number | null;
  pattern?: string;
  unique?: boolean;
}

/** Session number 0 means "this session" in requests, as in IPython; this session's entries carry 1. */
const THIS_SESSION = 1;
/** The most characters of one output kept: a cell whose value prints as 50 MB must not stay in memory for good. */
export const HISTORY_OUTPUT_CHARS = 10_000;

export class History {
  private readonly inputs: string[] = [];
  private readonly outputs: (string | null)[] = [];

  /** Records the input of execution `count` (line numbers are execution counts, starting at 1). */
  record(count: number, input: string): void {
    this.inputs[count - 1] = input;
    this.outputs[count - 1] = null;
  }

  recordOutput(count: number, text: string): void {
    if (count < 1 || count > this.inputs.length) return;
    const left = text.length - HISTORY_OUTPUT_CHARS;
    this.outputs[count - 1] =
      left > 0 ? `${text.slice(0, HISTORY_OUTPUT_CHARS)}... (${left} more characters not kept)` : text;
  }

  query(request: HistoryRequest): HistoryEntry[] {
    const all = this.inputs
      .map((_, index) => index + 1)
      .filter((line) => this.inputs[line - 1] !== undefined);
    let lines: number[];
    switch (request.hist_access_type) {
      case "tail":
        lines = request.n ? all.slice(-request.n) : all;
        break;
      case "range": {
        if (request.session !== undefined && request.session !== 0 && request.session !== THIS_SESSION)
          return [];
        const start = request.start ?? 1;
        const stop = request.stop ?? all.length + 1;
        lines = all.filter((line) => line >= start && line < stop);
        break;
      }
      case "search": {
        const pattern = globToRegExp(request.pattern ?? "*");
        lines = all.filter((line) => pattern.test(this.inputs[line - 1] ?? ""));
        if (request.unique) {
          const seen = new Set<string>();
          lines = lines.reverse().filter((line) => {
            const input = this.inputs[line - 1] ?? "";
            if (seen.has(input)) return false;
            seen.add(input);
            return true;
          });
          lines.reverse();
        }
        if (request.n) lines = lines.slice(-request.n);
        break;
      }
      default:
        return [];
    }
    return lines.map((line) => this.entry(line, request.output === true));
  }

  private entry(line: number, withOutput: boolean): HistoryEntry {
    const input = this.inputs[line - 1] ?? "";
    return withOutput
      ? [THIS_SESSION, line, [input, this.outputs[line - 1] ?? null]]
      : [THIS_SESSION, line, input];
  }
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, "[\\s\\S]*")
    .replace(/\?/g, "[\\s\\S]");
  return new RegExp(`^${body}$`);
}
