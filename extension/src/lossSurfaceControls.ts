import type { SurfaceViewState } from "./lossSurfaceFigure";

export interface ControlEvents {
  onState(change: Partial<SurfaceViewState>): void;
  onPlay(): void;
}

/** A group of two buttons of which one is pressed (view: surface or contour; scale: linear or log). */
function toggle<T extends string>(
  options: [T, string][],
  initial: T,
  onChange: (value: T) => void,
): { node: HTMLElement; set(value: T): void } {
  const node = document.createElement("div");
  node.className = "jp-deltalab-toggle";
  node.setAttribute("role", "group");
  const buttons = options.map(([value, text]) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "jp-deltalab-button";
    button.dataset.value = value;
    button.textContent = text;
    button.addEventListener("click", () => {
      set(value);
      onChange(value);
    });
    return button;
  });
  const set = (value: T) => {
    for (const button of buttons) button.setAttribute("aria-pressed", String(button.dataset.value === value));
  };
  set(initial);
  node.append(...buttons);
  return { node, set };
}

/**
 * The loss-surface toolbar: 3-D/contour and linear/log toggles, a play button and the iteration slider, the
 * optimizer that a click on the contour runs, and a status line. Built from plain elements with text content.
 */
export class SurfaceControls {
  readonly node: HTMLElement;
  readonly slider: HTMLInputElement;
  readonly playButton: HTMLButtonElement;
  readonly optimizer: HTMLSelectElement;
  readonly status: HTMLElement;
  private readonly iterationLabel: HTMLElement;
  private stops: number[] = [0];

  constructor(state: SurfaceViewState, events: ControlEvents) {
    this.node = document.createElement("div");
    this.node.className = "jp-deltalab-toolbar";
    const view = toggle<SurfaceViewState["view"]>(
      [
        ["surface", "3-D surface"],
        ["contour", "contour"],
      ],
      state.view,
      (value) => events.onState({ view: value }),
    );
    view.node.classList.add("jp-deltalab-view-toggle");
    const scale = toggle<SurfaceViewState["scale"]>(
      [
        ["linear", "linear"],
        ["log", "log"],
      ],
      state.scale,
      (value) => events.onState({ scale: value }),
    );
    scale.node.classList.add("jp-deltalab-scale-toggle");

    this.playButton = document.createElement("button");
    this.playButton.type = "button";
    this.playButton.className = "jp-deltalab-button jp-deltalab-play";
    this.playButton.addEventListener("click", () => events.onPlay());
    this.setPlaying(false);

    this.slider = document.createElement("input");
    this.slider.type = "range";
    this.slider.className = "jp-deltalab-slider";
    this.slider.min = "0";
    this.slider.step = "1";
    this.slider.setAttribute("aria-label", "iteration");
    this.slider.addEventListener("input", () =>
      events.onState({ iteration: this.iterationAt(this.slider.valueAsNumber) }),
    );
    this.iterationLabel = document.createElement("span");
    this.iterationLabel.className = "jp-deltalab-iteration";

    const runLabel = document.createElement("label");
    runLabel.className = "jp-deltalab-run";
    runLabel.textContent = "click on the contour runs ";
    this.optimizer = document.createElement("select");
    runLabel.append(this.optimizer);
    runLabel.hidden = true;

    this.status = document.createElement("div");
    this.status.className = "jp-deltalab-note";
    this.status.setAttribute("aria-live", "polite");

    this.node.append(view.node, scale.node, this.playButton, this.slider, this.iterationLabel, runLabel);
  }

  /** The slider's stops: the iteration numbers it steps through. */
  setStops(stops: number[], iteration: number): void {
    this.stops = stops.length > 0 ? stops : [0];
    this.slider.max = String(this.stops.length - 1);
    this.showIteration(iteration);
  }

  showIteration(iteration: number): void {
    let index = 0;
    this.stops.forEach((stop, k) => {
      if (stop <= iteration) index = k;
    });
    this.slider.value = String(index);
    this.iterationLabel.textContent = `iteration ${this.stops[index]}`;
  }

  iterationAt(index: number): number {
    return this.stops[Math.min(Math.max(Math.round(index), 0), this.stops.length - 1)];
  }

  /** The stop after `iteration`, or undefined at the end. */
  nextStop(iteration: number): number | undefined {
    return this.stops.find((stop) => stop > iteration);
  }

  get lastStop(): number {
    return this.stops[this.stops.length - 1];
  }

  setPlaying(playing: boolean): void {
    this.playButton.textContent = playing ? "pause" : "play";
    this.playButton.setAttribute("aria-pressed", String(playing));
  }

  /** Offers the optimizers the kernel can run from a clicked point (none: the choice is hidden). */
  setOptimizers(names: string[]): void {
    const keep = this.optimizer.value;
    this.optimizer.replaceChildren(
      ...names.map((name) => {
        const option = document.createElement("option");
        option.value = name;
        option.textContent = name;
        return option;
      }),
    );
    if (names.includes(keep)) this.optimizer.value = keep;
    const label = this.optimizer.parentElement;
    if (label) label.hidden = names.length === 0;
  }
}
