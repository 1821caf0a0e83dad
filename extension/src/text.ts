/**
 * Plotly reads a subset of HTML in titles, legends and hover labels (<b>, <br>, <a href>). Every string taken
 * from a payload goes through this before it reaches plotly, so it is shown as the characters it contains.
 */
export function plotlyText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A number in a compact form for tables and labels: 3 significant digits, exponent form outside 1e-3..1e6. */
export function formatNumber(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-3) return value.toExponential(digits - 1);
  return Number(value.toPrecision(digits)).toString();
}
