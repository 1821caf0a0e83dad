import type { Figure, PlotlyApi } from "../../../extension/src/plotly";

/** A stand-in for plotly.js that records what the views ask of it (plotly cannot draw in jsdom). */
export function fakePlotly() {
  const figures: Figure[] = [];
  const calls = { react: 0, purge: 0, toImage: 0, resize: 0 };
  const api: PlotlyApi = {
    react: async (_root, data, layout, config) => {
      calls.react += 1;
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
  return { api, calls, figures, load: async () => api, last: () => figures[figures.length - 1] };
}
