import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { Widget } from "@lumino/widgets";
import { renderErrorBox } from "./errorBox";
import { PayloadSpec, readPayload } from "./validate";

/**
 * What every deltalab view shares: it reads its mime type's payload from the model (object or JSON string),
 * validates it, and shows an error box instead of the view when the payload is bad or drawing fails.
 *
 * JupyterLab calls renderModel again when the bundle changes: on update_display_data (a new payload), after the
 * view writes its PNG back (same payload, same model) and when the notebook becomes trusted (same payload, a new
 * model). The last two are recognised: the view is not drawn again, it only takes the new model.
 */
export abstract class PayloadWidget<T> extends Widget implements IRenderMime.IRenderer {
  private renderedKey: string | undefined;

  protected constructor(
    protected readonly mimeType: string,
    private readonly spec: PayloadSpec<T>,
  ) {
    super();
    this.addClass("jp-deltalab-view");
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const raw: unknown = model.data[this.mimeType];
    const key = typeof raw === "string" ? raw : JSON.stringify(raw ?? null);
    if (key === this.renderedKey) {
      this.adoptModel(model);
      return;
    }
    this.renderedKey = key;
    const result = readPayload(raw, this.spec);
    if (!result.ok) {
      this.showError(result.error);
      return;
    }
    try {
      await this.renderPayload(result.value, model);
    } catch (error) {
      this.renderedKey = undefined;
      this.showError(
        `Drawing the ${this.spec.name} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  /** Draws a valid payload. Called again with each new payload: update the view in place where possible. */
  protected abstract renderPayload(payload: T, model: IRenderMime.IMimeModel): Promise<void>;

  /** Takes a new model for the payload already drawn (the view writes its PNG into the model it holds). */
  protected abstract adoptModel(model: IRenderMime.IMimeModel): void;

  /** Drops the view's state when an error box replaces it, so the next valid payload draws from scratch. */
  protected abstract clearView(): void;

  private showError(message: string): void {
    this.clearView();
    renderErrorBox(this.node, message);
  }
}
