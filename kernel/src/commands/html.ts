/** Small builders for the text/html and text/plain fallbacks of command results. */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

export type Cell = string | number;

function formatCell(cell: Cell): string {
  if (typeof cell === "string") return cell;
  if (Number.isInteger(cell)) return String(cell);
  const magnitude = Math.abs(cell);
  return magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e6)
    ? cell.toExponential(3)
    : cell.toPrecision(5);
}

/** An HTML table with a header row. */
export function htmlTable(headers: string[], rows: Cell[][], caption?: string): string {
  const head = `<tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr>`;
  const body = rows
    .map((row) => `<tr>${row.map((c) => `<td>${escapeHtml(formatCell(c))}</td>`).join("")}</tr>`)
    .join("");
  const title = caption ? `<caption>${escapeHtml(caption)}</caption>` : "";
  return `<table class="deltalab-table">${title}<thead>${head}</thead><tbody>${body}</tbody></table>`;
}

/** The same table as aligned plain text. */
export function textTable(headers: string[], rows: Cell[][], caption?: string): string {
  const cells = [headers, ...rows.map((row) => row.map(formatCell))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? "").length)));
  const line = (row: string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  const rule = widths.map((width) => "-".repeat(width)).join("  ");
  return [...(caption ? [caption] : []), line(cells[0] ?? []), rule, ...cells.slice(1).map(line)].join("\n");
}

export { formatCell };
