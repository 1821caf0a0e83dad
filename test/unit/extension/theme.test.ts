// @vitest-environment jsdom
import { afterEach, describe, expect, it } from "vitest";
import { readTheme } from "../../../extension/src/theme";

afterEach(() => {
  document.body.removeAttribute("style");
  delete document.body.dataset.jpThemeLight;
});

describe("readTheme", () => {
  it("reads the JupyterLab colour variables", () => {
    document.body.style.setProperty("--jp-layout-color0", "#111111");
    document.body.style.setProperty("--jp-ui-font-color1", "rgba(255, 255, 255, 0.87)");
    document.body.dataset.jpThemeLight = "false";
    const theme = readTheme(document.body);
    expect([theme.background, theme.foreground, theme.dark]).toEqual([
      "#111111",
      "rgba(255, 255, 255, 0.87)",
      true,
    ]);
  });

  it("reads the page's theme for a view not yet attached, instead of falling back to light colours", () => {
    document.body.style.setProperty("--jp-layout-color0", "#111111");
    const detached = document.createElement("div");
    expect(readTheme(detached).background).toBe("#111111");
  });

  it("falls back to light colours where JupyterLab defines none", () => {
    expect(readTheme(document.body).background).toBe("#ffffff");
  });
});
