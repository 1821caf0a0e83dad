/**
 * The box a renderer shows instead of its view when the payload cannot be drawn: never a blank, never a crash.
 * The message goes in as text, so markup in a payload cannot reach the page.
 */
export function renderErrorBox(host: HTMLElement, message: string): HTMLElement {
  const box = document.createElement("div");
  box.className = "jp-deltalab-error";
  box.setAttribute("role", "alert");
  const title = document.createElement("strong");
  title.textContent = "deltalab: cannot display this output";
  const text = document.createElement("div");
  text.textContent = message;
  box.append(title, text);
  host.replaceChildren(box);
  return box;
}
