/**
 * Maps lines of the JavaScript the converter emits back to lines of the TypeScript cell, for tracebacks.
 *
 * The emitter drops type annotations, blank lines and adds export bookkeeping, so lines shift. Each emitted line
 * is matched, in order, to the first cell line at or after the previous match whose tokens include all of the
 * emitted line's tokens (type annotations only ever remove tokens); bookkeeping lines match nothing.
 */
const TOKEN = /[A-Za-z_$][\w$]*|\d[\w.]*|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`|[^\s\w]/g;

function tokens(line: string, lastExpressionVar?: string): string[] {
  const withoutLastExpression = lastExpressionVar
    ? line.replace(`exports.${lastExpressionVar} = `, "")
    : line;
  return withoutLastExpression.replace(/\bexports\./g, "").match(TOKEN) ?? [];
}

/** Lines that only maintain `exports` (one per cell variable), which no cell line produces. */
const BOOKKEEPING =
  /^\s*(Object\.defineProperty\(exports|exports\.[\w$]+ = ([\w$]+|(exports\.[\w$]+ = )*void 0);$)/;

function covers(cellTokens: string[], jsTokens: string[]): boolean {
  const available = new Map<string, number>();
  for (const token of cellTokens) available.set(token, (available.get(token) ?? 0) + 1);
  for (const token of jsTokens) {
    if (token === ";") continue;
    const left = available.get(token) ?? 0;
    if (left === 0) return false;
    available.set(token, left - 1);
  }
  return true;
}

/** For each emitted line (0-based), the 0-based cell line it came from, or -1 when none. */
export function mapEmittedLines(cell: string, emitted: string, lastExpressionVar?: string): number[] {
  const cellTokens = cell.split("\n").map((line) => tokens(line));
  const result: number[] = [];
  let next = 0;
  for (const line of emitted.split("\n")) {
    const jsTokens = tokens(line, lastExpressionVar);
    const meaningful = jsTokens.filter((token) => token !== ";");
    let found = -1;
    if (meaningful.length > 0 && !BOOKKEEPING.test(line)) {
      for (let candidate = next; candidate < cellTokens.length; candidate++) {
        if (covers(cellTokens[candidate] ?? [], jsTokens)) {
          found = candidate;
          next = candidate;
          break;
        }
      }
    }
    result.push(found);
  }
  return result;
}
