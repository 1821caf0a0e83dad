import {
  DELTALAB_COMM_TARGET,
  STEPS_MIME_TYPE_V1,
  STEPS_SCHEMA_V1,
  STEPS_UPDATE_SCHEMA_V1,
  stepsProblems,
  type StepEdit,
  type StepEditMessage,
  type StepMatrix,
  type StepsPayload,
  type StepsUpdateMessage,
} from "@deltalab/core/payloads";
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { findKernel, type CommLike, type KernelLike } from "./kernelLink";
import { PayloadWidget } from "./payloadWidget";
import { PngWriteBack } from "./pngWriteBack";
import {
  cellPosition,
  drawingSize,
  entriesBehind,
  entryAt,
  formatEntry,
  formatReadout,
  scaleOf,
  stepLabel,
  TABLE_LIMIT,
} from "./stepsModel";
import { readPayload } from "./validate";

export const MIME_TYPE = STEPS_MIME_TYPE_V1;

const SPEC = { name: "steps", schema: STEPS_SCHEMA_V1, problems: stepsProblems };
const UPDATE_SPEC = { name: "steps update", schema: STEPS_UPDATE_SCHEMA_V1, problems: () => [] };

export interface StepsViewOptions {
  /** JupyterLab's TeX typesetter (MathJax); without one the equations show as TeX source. */
  latexTypesetter?: IRenderMime.ILatexTypesetter | null;
  /** The kernel that recomputes edits; default: the kernel of the notebook the view sits in. */
  kernel?: () => KernelLike | undefined;
  /** Time between steps when playing. */
  playIntervalMs?: number;
  /** Delay before the PNG of the current step is written back. */
  pngDelayMs?: number;
}

/** One drawn matrix: its table cells (small matrices) or its heat-map canvas (large ones). */
interface DrawnMatrix {
  matrix: StepMatrix;
  cells?: HTMLElement[];
  canvas?: HTMLCanvasElement;
  lit: Set<number>;
  hovered?: number;
}

/**
 * The back-propagation stepper: one operation of the forward or backward pass at a time, with its equation, the
 * matrices it reads and writes, and, on hovering an entry of the written matrix, the read entries that made it.
 * Previous / next / play buttons, a step list, and the keyboard (left/right arrows, Home, End, space to play).
 * Entries of the input, the weights and the target can be edited (double-click) when the kernel that made the view
 * is connected: it recomputes every step, and "Apply to the model" makes the edits permanent.
 */
export class RenderedSteps extends PayloadWidget<StepsPayload> {
  private payload: StepsPayload | undefined;
  private model: IRenderMime.IMimeModel | undefined;
  private index = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private drawn = new Map<string, DrawnMatrix>();
  private matrices = new Map<string, StepMatrix>();
  private edits = new Map<string, StepEdit>();
  private comm: CommLike | undefined;
  private pending: string | undefined;
  private requests = 0;
  /** The request in flight asks for the edits to be applied to the model. */
  private applied = false;
  private readonly png: PngWriteBack;
  private readonly parts: {
    title: HTMLElement;
    counter: HTMLElement;
    list: HTMLSelectElement;
    play: HTMLButtonElement;
    equation: HTMLElement;
    citation: HTMLElement;
    stepTitle: HTMLElement;
    matrices: HTMLElement;
    readout: HTMLElement;
    status: HTMLElement;
    apply: HTMLButtonElement;
  };

  constructor(private readonly options: StepsViewOptions = {}) {
    super(MIME_TYPE, SPEC);
    this.addClass("jp-deltalab-steps");
    this.png = new PngWriteBack(options.pngDelayMs);
    this.node.tabIndex = 0;
    // JupyterLab's notebook shortcuts (Enter, arrows in command mode) would take the keys meant for the view and
    // for an entry being edited: Lumino skips its shortcuts for events from inside this attribute.
    this.node.dataset.lmSuppressShortcuts = "true";
    this.node.addEventListener("keydown", (event) => this.onKey(event));
    const element = <K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text = "") => {
      const node = document.createElement(tag);
      node.className = className;
      node.textContent = text;
      return node;
    };
    const button = (label: string, title: string, action: () => void) => {
      const node = element("button", "jp-deltalab-steps-button", label);
      node.type = "button";
      node.title = title;
      node.addEventListener("click", action);
      return node;
    };
    this.parts = {
      title: element("div", "jp-deltalab-steps-title"),
      counter: element("span", "jp-deltalab-steps-counter"),
      list: element("select", "jp-deltalab-steps-list"),
      play: button("Play", "play the steps (space)", () => this.togglePlay()),
      equation: element("div", "jp-deltalab-steps-equation"),
      citation: element("div", "jp-deltalab-steps-citation"),
      stepTitle: element("div", "jp-deltalab-steps-step-title"),
      matrices: element("div", "jp-deltalab-steps-matrices"),
      readout: element("div", "jp-deltalab-steps-readout"),
      status: element("div", "jp-deltalab-steps-status"),
      apply: button("Apply to the model", "write the edits into the notebook's model", () =>
        this.sendEdits(true),
      ),
    };
    this.parts.list.setAttribute("aria-label", "step");
    this.parts.list.addEventListener("change", () => this.showStep(Number(this.parts.list.value)));
  }

  /** The index of the step shown. */
  get current(): number {
    return this.index;
  }

  /** Shows step `index` (clamped to the steps). */
  showStep(index: number): void {
    const payload = this.payload;
    if (!payload) return;
    this.index = Math.max(0, Math.min(payload.steps.length - 1, index));
    this.drawStep();
  }

  /** The entry of the written matrix under the pointer: lights the entries that made it (undefined clears). */
  hover(k: number | undefined): void {
    const payload = this.payload;
    if (!payload) return;
    const step = payload.steps[this.index];
    const lit = k === undefined ? new Map<string, number[]>() : entriesBehind(step, this.matrices, k);
    for (const [name, drawn] of this.drawn) {
      drawn.lit = new Set(lit.get(name) ?? []);
      drawn.hovered = name === step.writes ? k : undefined;
      this.paint(drawn);
    }
    const written = this.matrices.get(step.writes);
    this.parts.readout.textContent =
      k === undefined || !written
        ? "Hover an entry of the written matrix to light the entries that made it."
        : `${written.name}[${Math.floor(k / written.cols)}, ${k % written.cols}] = ${formatReadout(written.values[k])}`;
  }

  override dispose(): void {
    this.stopPlay();
    this.png.cancel();
    this.comm?.close();
    this.comm = undefined;
    super.dispose();
  }

  protected async renderPayload(payload: StepsPayload, model: IRenderMime.IMimeModel): Promise<void> {
    this.model = model;
    this.setPayload(payload);
    this.edits.clear();
    this.parts.status.textContent = "";
  }

  protected adoptModel(model: IRenderMime.IMimeModel): void {
    this.model = model;
  }

  protected clearView(): void {
    this.stopPlay();
    this.payload = undefined;
    this.drawn.clear();
  }

  private setPayload(payload: StepsPayload): void {
    this.payload = payload;
    this.matrices = new Map(payload.matrices.map((m) => [m.name, m]));
    this.index = Math.min(this.index, payload.steps.length - 1);
    const p = this.parts;
    p.title.textContent = `${payload.title} (loss ${payload.loss}: ${formatEntry(payload.lossValue)})`;
    p.list.replaceChildren(
      ...payload.steps.map((_, k) => {
        const option = document.createElement("option");
        option.value = String(k);
        option.textContent = stepLabel(payload, k);
        return option;
      }),
    );
    const toolbar = document.createElement("div");
    toolbar.className = "jp-deltalab-steps-toolbar";
    const previous = this.makeButton("Previous", "previous step (left arrow)", () =>
      this.showStep(this.index - 1),
    );
    const next = this.makeButton("Next", "next step (right arrow)", () => this.showStep(this.index + 1));
    toolbar.append(previous, next, p.play, p.counter, p.list);
    const edit = document.createElement("div");
    edit.className = "jp-deltalab-steps-edit";
    edit.append(p.status);
    if (payload.session) edit.append(p.apply);
    p.apply.disabled = this.edits.size === 0;
    this.node.replaceChildren(
      p.title,
      toolbar,
      p.stepTitle,
      p.equation,
      p.citation,
      p.matrices,
      p.readout,
      edit,
    );
    this.drawStep();
  }

  private makeButton(label: string, title: string, action: () => void): HTMLButtonElement {
    const node = document.createElement("button");
    node.type = "button";
    node.className = "jp-deltalab-steps-button";
    node.textContent = label;
    node.title = title;
    node.addEventListener("click", action);
    return node;
  }

  private drawStep(): void {
    const payload = this.payload;
    if (!payload) return;
    const step = payload.steps[this.index];
    const p = this.parts;
    p.counter.textContent = `step ${this.index + 1} of ${payload.steps.length}`;
    p.list.value = String(this.index);
    p.stepTitle.textContent = `${step.pass === "forward" ? "Forward" : "Backward"}, ${step.title}`;
    p.stepTitle.dataset.pass = step.pass;
    this.drawEquation(step.equation);
    p.citation.replaceChildren();
    if (step.reference) {
      const link = document.createElement("a");
      link.href = step.reference.href;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = step.reference.citation;
      p.citation.append(link);
    }
    this.drawn.clear();
    const groups = [...step.reads.filter((name) => name !== step.writes), step.writes].map((name) => {
      const matrix = this.matrices.get(name)!;
      return this.drawMatrix(matrix, name === step.writes);
    });
    const arrow = document.createElement("div");
    arrow.className = "jp-deltalab-steps-arrow";
    arrow.textContent = "\u2192";
    groups.splice(groups.length - 1, 0, arrow);
    p.matrices.replaceChildren(...groups);
    this.hover(undefined);
    if (this.model) this.png.schedule(this.model, () => this.picture());
  }

  private drawEquation(tex: string): void {
    const target = this.parts.equation;
    const typesetter = this.options.latexTypesetter;
    if (typesetter) {
      target.textContent = `\\[${tex}\\]`;
      void Promise.resolve(typesetter.typeset(target)).catch(() => undefined);
    } else {
      const code = document.createElement("code");
      code.textContent = tex;
      target.replaceChildren(code);
    }
  }

  private drawMatrix(matrix: StepMatrix, written: boolean): HTMLElement {
    const box = document.createElement("figure");
    box.className = "jp-deltalab-steps-matrix";
    box.dataset.name = matrix.name;
    if (written) box.dataset.written = "true";
    const caption = document.createElement("figcaption");
    const editable = matrix.editable && this.payload?.session ? " (double-click an entry to edit)" : "";
    const shape = matrix.grid
      ? `${matrix.rows} map${matrix.rows === 1 ? "" : "s"} of ${matrix.grid[0]}\u00d7${matrix.grid[1]}`
      : `${matrix.rows}\u00d7${matrix.cols}`;
    caption.textContent = `${matrix.name}: ${shape}${editable}`;
    caption.title = matrix.tex;
    const drawn: DrawnMatrix = { matrix, lit: new Set() };
    const size = matrix.rows * matrix.cols;
    const [height, width] = drawingSize(matrix);
    let body: HTMLElement;
    if (size <= TABLE_LIMIT) {
      const grid = document.createElement("div");
      grid.className = "jp-deltalab-steps-grid";
      grid.style.gridTemplateColumns = `repeat(${width}, auto)`;
      const cells: HTMLElement[] = new Array(size);
      for (let row = 0; row < height; row++) {
        for (let col = 0; col < width; col++) {
          const k = entryAt(matrix, row, col);
          const cell = document.createElement("span");
          if (k === undefined) {
            cell.className = "jp-deltalab-steps-gap";
          } else {
            cell.className = "jp-deltalab-steps-cell";
            cell.dataset.index = String(k);
            cell.textContent = formatEntry(matrix.values[k]);
            cell.title = String(matrix.values[k]);
            cells[k] = cell;
            if (written) cell.addEventListener("mouseenter", () => this.hover(k));
            if (matrix.editable) {
              cell.addEventListener("dblclick", () =>
                this.beginEdit(matrix, k, cell, () => (cell.textContent = formatEntry(matrix.values[k]))),
              );
            }
          }
          grid.append(cell);
        }
      }
      if (written) grid.addEventListener("mouseleave", () => this.hover(undefined));
      drawn.cells = cells;
      body = grid;
    } else {
      const canvas = document.createElement("canvas");
      canvas.className = "jp-deltalab-steps-heatmap";
      const scale = Math.max(1, Math.min(8, Math.floor(560 / Math.max(width, height))));
      canvas.width = width * scale;
      canvas.height = height * scale;
      canvas.dataset.scale = String(scale);
      const at = (event: MouseEvent) =>
        entryAt(matrix, Math.floor(event.offsetY / scale), Math.floor(event.offsetX / scale));
      canvas.addEventListener("mousemove", (event) => {
        const k = at(event);
        if (written) this.hover(k);
        else if (k !== undefined)
          this.parts.readout.textContent = `${matrix.name}[${k}] = ${formatReadout(matrix.values[k])}`;
      });
      if (written) canvas.addEventListener("mouseleave", () => this.hover(undefined));
      if (matrix.editable) {
        // A heat map has no cell to type in: the entry under the pointer gets a field below the map.
        canvas.addEventListener("dblclick", (event) => {
          const k = at(event);
          if (k === undefined) return;
          const field = document.createElement("div");
          field.className = "jp-deltalab-steps-heatmap-edit";
          const label = document.createElement("span");
          label.textContent = `${matrix.name}[${k}] = `;
          const host = document.createElement("span");
          field.append(label, host);
          box.append(field);
          this.beginEdit(matrix, k, host, () => field.remove());
        });
      }
      drawn.canvas = canvas;
      body = canvas;
    }
    this.drawn.set(matrix.name, drawn);
    this.paint(drawn);
    box.append(caption, body);
    return box;
  }

  /** Colours a drawn matrix: blue for positive, red for negative entries, lit entries outlined. */
  private paint(drawn: DrawnMatrix): void {
    const scale = scaleOf(drawn.matrix);
    const colour = (value: number, alpha = 0.75) =>
      value >= 0
        ? `rgba(33, 118, 210, ${((alpha * value) / scale).toFixed(3)})`
        : `rgba(211, 47, 47, ${((alpha * -value) / scale).toFixed(3)})`;
    if (drawn.cells) {
      drawn.cells.forEach((cell, k) => {
        cell.style.backgroundColor = colour(drawn.matrix.values[k], 0.45);
        cell.classList.toggle("jp-deltalab-steps-lit", drawn.lit.has(k));
        cell.classList.toggle("jp-deltalab-steps-hovered", drawn.hovered === k);
        cell.classList.toggle("jp-deltalab-steps-edited", this.edits.has(`${drawn.matrix.name}:${k}`));
      });
      return;
    }
    const canvas = drawn.canvas;
    const context = canvas?.getContext?.("2d");
    if (!canvas || !context) return;
    const cell = Number(canvas.dataset.scale);
    context.clearRect(0, 0, canvas.width, canvas.height);
    drawn.matrix.values.forEach((value, k) => {
      const [row, col] = cellPosition(drawn.matrix, k);
      context.fillStyle = colour(value, 1);
      context.fillRect(col * cell, row * cell, cell, cell);
    });
    context.fillStyle = "rgba(255, 193, 7, 0.9)";
    for (const k of drawn.lit) {
      const [row, col] = cellPosition(drawn.matrix, k);
      context.fillRect(col * cell, row * cell, cell, cell);
    }
    if (drawn.hovered !== undefined) {
      const [row, col] = cellPosition(drawn.matrix, drawn.hovered);
      context.strokeStyle = "rgba(255, 143, 0, 1)";
      context.lineWidth = 2;
      context.strokeRect(col * cell - 1, row * cell - 1, cell + 2, cell + 2);
    }
  }

  private onKey(event: KeyboardEvent): void {
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
    const moves: Record<string, () => void> = {
      ArrowLeft: () => this.showStep(this.index - 1),
      ArrowRight: () => this.showStep(this.index + 1),
      Home: () => this.showStep(0),
      End: () => this.showStep(Number.MAX_SAFE_INTEGER),
      " ": () => this.togglePlay(),
    };
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    move();
  }

  private togglePlay(): void {
    if (this.timer !== undefined) {
      this.stopPlay();
      return;
    }
    const payload = this.payload;
    if (!payload) return;
    if (this.index >= payload.steps.length - 1) this.showStep(0);
    this.parts.play.textContent = "Pause";
    this.timer = setInterval(() => {
      if (!this.payload || this.index >= this.payload.steps.length - 1) this.stopPlay();
      else this.showStep(this.index + 1);
    }, this.options.playIntervalMs ?? 1200);
  }

  private stopPlay(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.parts.play.textContent = "Play";
  }

  /** Opens a field for entry k of `matrix` in `host`; `done` puts the view back when the field closes. */
  private beginEdit(matrix: StepMatrix, k: number, host: HTMLElement, done: () => void): void {
    if (!this.payload?.session) {
      done();
      this.parts.status.textContent =
        "This view cannot recompute: only a view shown by %step in the running kernel can (run that cell again).";
      return;
    }
    const input = document.createElement("input");
    input.type = "number";
    input.step = "any";
    input.value = String(matrix.values[k]);
    input.className = "jp-deltalab-steps-input";
    input.setAttribute("aria-label", `new value of ${matrix.name}[${k}]`);
    // Removing a focused input fires its blur (in Chrome, while it is still attached): finish once only.
    let finished = false;
    const finish = (commit: boolean) => {
      if (finished) return;
      finished = true;
      input.remove();
      done();
      const value = Number(input.value);
      if (!commit) return;
      if (input.value.trim() === "" || !Number.isFinite(value)) {
        this.parts.status.textContent = `"${input.value}" is not a number; ${matrix.name}[${k}] is unchanged.`;
        return;
      }
      this.edits.set(`${matrix.name}:${k}`, { matrix: matrix.name, index: k, value });
      this.sendEdits(false);
    };
    input.addEventListener("keydown", (event) => {
      event.stopPropagation();
      if (event.key === "Enter") finish(true);
      if (event.key === "Escape") finish(false);
    });
    input.addEventListener("blur", () => finish(false));
    host.replaceChildren(input);
    input.focus();
  }

  /** Sends every edit made since the payload was drawn (the kernel applies them to the original sample). */
  private sendEdits(apply: boolean): void {
    const session = this.payload?.session;
    if (!session) return;
    const comm = this.openComm();
    if (comm instanceof Error) {
      this.parts.status.textContent = `Cannot recompute: ${comm.message}.`;
      return;
    }
    this.requests += 1;
    const requestId = `${comm.commId}:steps:${this.requests}`;
    this.pending = requestId;
    const message: StepEditMessage = {
      action: "step-edit",
      requestId,
      session,
      edits: [...this.edits.values()],
      ...(apply ? { apply: true } : {}),
    };
    this.parts.status.textContent = apply
      ? "Applying the edits to the model\u2026"
      : "Recomputing every step\u2026";
    comm.send(message);
    if (apply) this.applied = true;
  }

  private openComm(): CommLike | Error {
    if (this.comm) return this.comm;
    const kernel = (this.options.kernel ?? (() => findKernel(this)))();
    if (!kernel) return new Error("no kernel is connected to this notebook");
    try {
      const comm = kernel.createComm(DELTALAB_COMM_TARGET);
      comm.onMsg = (msg) => this.receive(msg.content.data);
      comm.onClose = () => {
        if (this.comm === comm) this.comm = undefined;
      };
      comm.open({});
      this.comm = comm;
      return comm;
    } catch (error) {
      return new Error(
        `the kernel refused the connection (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  }

  private receive(data: unknown): void {
    if (
      typeof data !== "object" ||
      data === null ||
      !("requestId" in data) ||
      data.requestId !== this.pending
    )
      return;
    this.pending = undefined;
    const update = readPayload<StepsUpdateMessage>(data, UPDATE_SPEC);
    if (!update.ok) {
      this.parts.status.textContent = update.error;
      return;
    }
    const { payload, error } = update.value;
    if (error !== undefined || !payload) {
      this.parts.status.textContent = `The kernel refused the edit: ${error ?? "no steps came back"}`;
      this.applied = false;
      return;
    }
    const problems = stepsProblems(payload);
    if (problems.length > 0) {
      this.parts.status.textContent = `The kernel sent inconsistent steps: ${problems[0]}.`;
      return;
    }
    const count = this.edits.size;
    if (this.applied) this.edits.clear();
    this.setPayload(payload);
    this.parts.status.textContent = this.applied
      ? `Applied ${count} edit(s) to the model in the notebook.`
      : `Recomputed every step with ${count} edit(s); the model in the notebook is unchanged.`;
    this.parts.apply.disabled = this.edits.size === 0;
    this.applied = false;
  }

  /** A PNG of the current step for static viewers: its title, equation source and matrices as heat maps. */
  private async picture(): Promise<string | undefined> {
    const payload = this.payload;
    if (!payload) return undefined;
    const step = payload.steps[this.index];
    const names = [...step.reads.filter((name) => name !== step.writes), step.writes];
    const shown = names.map((name) => this.matrices.get(name)!);
    const cell = (m: StepMatrix) => Math.max(1, Math.min(24, Math.floor(300 / Math.max(...drawingSize(m)))));
    // Each matrix takes its drawing's width or its name's (12 px monospace, about 7.5 px a character).
    const span = (m: StepMatrix) =>
      Math.ceil(Math.max(drawingSize(m)[1] * cell(m), 7.5 * m.name.length)) + 24;
    const width = Math.max(
      640,
      shown.reduce((sum, m) => sum + span(m), 24),
    );
    const height = 90 + Math.max(...shown.map((m) => drawingSize(m)[0] * cell(m))) + 24;
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext?.("2d");
    if (!context) return undefined;
    const style = getComputedStyle(this.node);
    context.fillStyle = style.getPropertyValue("--jp-layout-color0").trim() || "#ffffff";
    context.fillRect(0, 0, width, height);
    context.fillStyle = style.getPropertyValue("--jp-ui-font-color1").trim() || "#000000";
    context.font = "14px sans-serif";
    context.fillText(`${stepLabel(payload, this.index)}`, 12, 22);
    context.font = "12px monospace";
    context.fillText(step.equation.slice(0, 160), 12, 44);
    if (step.reference) context.fillText(step.reference.citation, 12, 64);
    let x = 12;
    for (const matrix of shown) {
      const size = cell(matrix);
      const scale = scaleOf(matrix);
      context.fillText(matrix.name, x, 84);
      matrix.values.forEach((value, k) => {
        const [row, col] = cellPosition(matrix, k);
        context.fillStyle =
          value >= 0 ? `rgba(33, 118, 210, ${value / scale})` : `rgba(211, 47, 47, ${-value / scale})`;
        context.fillRect(x + col * size, 90 + row * size, size, size);
      });
      context.fillStyle = style.getPropertyValue("--jp-ui-font-color1").trim() || "#000000";
      x += span(matrix);
    }
    return canvas.toDataURL("image/png").split(",")[1];
  }
}

export const rendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [MIME_TYPE],
  createRenderer: (options) => new RenderedSteps({ latexTypesetter: options.latexTypesetter }),
};

const extension: IRenderMime.IExtension = {
  id: "@deltalab/jupyterlab:steps",
  description:
    "Renders deltalab's back-propagation stepper: one equation of the forward or backward pass at a time.",
  rendererFactory,
  // Ahead of image/png (rank 90): the bundle holds both once the view has written its picture back.
  rank: 0,
};

export default extension;
