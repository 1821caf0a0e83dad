/** The colours of the current JupyterLab theme, read from its CSS variables so every view follows light or dark. */
export interface Theme {
  dark: boolean;
  background: string;
  foreground: string;
  muted: string;
  grid: string;
  accent: string;
  fontFamily: string;
  fontSize: number;
}

const LIGHT: Theme = {
  dark: false,
  background: "#ffffff",
  foreground: "rgba(0, 0, 0, 0.87)",
  muted: "rgba(0, 0, 0, 0.54)",
  grid: "#e0e0e0",
  accent: "#1976d2",
  fontFamily: "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif",
  fontSize: 12,
};

/**
 * Reads the theme at `node`. JupyterLab defines its variables at the document root and they are inherited, so
 * any node in the page will do; a view is often drawn before it is attached, and then the body is read instead.
 */
export function readTheme(node: Element): Theme {
  const style = getComputedStyle(node.isConnected ? node : document.body);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  const fontSize = parseFloat(read("--jp-ui-font-size1", "")) || LIGHT.fontSize;
  return {
    dark: document.body.dataset.jpThemeLight === "false",
    background: read("--jp-layout-color0", LIGHT.background),
    foreground: read("--jp-ui-font-color1", LIGHT.foreground),
    muted: read("--jp-ui-font-color2", LIGHT.muted),
    grid: read("--jp-border-color2", LIGHT.grid),
    accent: read("--jp-brand-color1", LIGHT.accent),
    fontFamily: read("--jp-ui-font-family", LIGHT.fontFamily),
    fontSize,
  };
}

/**
 * Calls `onChange` whenever JupyterLab switches theme (it marks the body with data-jp-theme-name). Returns the
 * function that stops watching.
 */
export function watchTheme(onChange: () => void): () => void {
  if (typeof MutationObserver === "undefined") return () => undefined;
  const observer = new MutationObserver(onChange);
  observer.observe(document.body, {
    attributes: true,
    attributeFilter: ["data-jp-theme-name", "data-jp-theme-light"],
  });
  return () => observer.disconnect();
}
