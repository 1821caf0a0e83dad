// @vitest-environment jsdom
import "./domPolyfills";
import { Panel, Widget } from "@lumino/widgets";
import { describe, expect, it } from "vitest";
import { findKernel } from "../../../extension/src/kernelLink";
import { fakeKernel } from "./fakeKernel";

/** Stands in for a notebook panel: a widget holding a session context, several levels above the output. */
class SessionPanel extends Panel {
  constructor(readonly sessionContext: { session: { kernel: unknown } | null }) {
    super();
  }
}

function nest(outer: Panel): Widget {
  const middle = new Panel();
  const output = new Widget();
  middle.addWidget(output);
  outer.addWidget(middle);
  return output;
}

describe("findKernel", () => {
  it("finds the kernel of the nearest ancestor that holds a session context", () => {
    const { kernel } = fakeKernel();
    const output = nest(new SessionPanel({ session: { kernel } }));
    expect(findKernel(output)).toBe(kernel);
  });

  it("finds nothing when the session has no kernel", () => {
    const output = nest(new SessionPanel({ session: null }));
    expect(findKernel(output)).toBeUndefined();
  });

  it("finds nothing for an output outside any notebook panel", () => {
    expect(findKernel(nest(new Panel()))).toBeUndefined();
  });
});
