import type { Figure, PlotElement, PlotlyApi } from "../../../extension/src/plotly";

/** A stand-in for plotly.js that records what the views ask of it (plotly cannot draw in jsdom). */
export function fakePlotly() {
  const figures: Figure[] = [];
  const handlers = new Map<string, (event: unknown) => void>();
  const calls = { react: 0, purge: 0, toImage: 0, resize: 0 };
  const api: PlotlyApi = {
    react: async (root: PlotElement, data, layout, config) => {
      calls.react += 1;
      // plotly gives the graph div an event emitter when it first draws there
      root.on ??= (event, handler) => handlers.set(event, handler);
      figures.push({ data, layout, config });
      return undefined;
    },
    purge: () => {
      calls.purge += 1;
    },
    toImage: async () => {
      calls.toImage += 1;
      return "data:image/png;base64,iVBORw0KGgo=";
    },
    Plots: {
      resize: () => {
        calls.resize += 1;
      },
    },
  };
  return { api, calls, figures, handlers, load: async () => api, last: () => figures[figures.length - 1] };
}
