/**
 * plotly.js with only the trace types the views draw (the full bundle is about four times larger). This module
 * is reached only through the dynamic import in plotly.ts, so it becomes a separate chunk loaded on first use.
 */
import * as core from "plotly.js/lib/core";
import * as contour from "plotly.js/lib/contour";
import * as heatmap from "plotly.js/lib/heatmap";
import * as scatter from "plotly.js/lib/scatter";
import * as scatter3d from "plotly.js/lib/scatter3d";
import * as surface from "plotly.js/lib/surface";
import type { PlotlyApi } from "./plotly";

core.register([surface, contour, scatter3d, scatter, heatmap]);

export const plotly: PlotlyApi = core;
