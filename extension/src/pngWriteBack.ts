import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";

export const PNG_MIME_TYPE = "image/png";

/** How long the view must stay unchanged before its picture is taken (a live view changes often). */
export const PNG_DELAY_MS = 1000;

/**
 * Writes a PNG of a view into its output bundle, next to the payload, so that a saved notebook shows a picture
 * where the extension is absent (GitHub, nbviewer). Only for trusted outputs, and once per payload: a bundle that
 * already holds a PNG is left alone, and a live update replaces the whole bundle (payload without PNG), which
 * re-arms it. The picture is taken after the view has been still for PNG_DELAY_MS.
 */
export class PngWriteBack {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly delayMs = PNG_DELAY_MS) {}

  schedule(model: IRenderMime.IMimeModel, takePicture: () => Promise<string | undefined>): void {
    this.cancel();
    if (!model.trusted || typeof model.data[PNG_MIME_TYPE] === "string") return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void takePicture().then(
        (png) => {
          if (png && typeof model.data[PNG_MIME_TYPE] !== "string") {
            model.setData({ data: { ...model.data, [PNG_MIME_TYPE]: png } });
          }
        },
        // A picture is a convenience for static viewers: failing to take one must not disturb the live view.
        () => undefined,
      );
    }, this.delayMs);
  }

  cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
