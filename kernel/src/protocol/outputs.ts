/**
 * Where a cell's output goes: IOPub messages parented to the execute_request that is running (or ran last, for
 * output that arrives after its cell finished, as in IPython). process.stdout and process.stderr are redirected
 * into `stream` messages; the kernel's own log keeps the real stderr.
 */
import type { DisplayOptions, MimeBundle, Outputs } from "../execution/display";
import type { JupyterMessage } from "../wire/message";

export type Publish = (parent: JupyterMessage, msgType: string, content: unknown) => void;

export class OutputRouter implements Outputs {
  private parent: JupyterMessage | undefined;
  private lastRequest: JupyterMessage | undefined;
  private readonly realStderrWrite = process.stderr.write.bind(process.stderr);

  constructor(private readonly publish: Publish) {}

  /** Routes output to `parent` from now on. */
  attach(parent: JupyterMessage): void {
    this.parent = parent;
  }

  /** Notes the request being handled; comm messages the kernel sends are parented to it. */
  noteRequest(request: JupyterMessage): void {
    this.lastRequest = request;
  }

  publishComm(msgType: string, content: unknown): void {
    const parent = this.lastRequest ?? this.parent;
    if (parent) this.publish(parent, msgType, content);
  }

  display(bundle: MimeBundle, options: DisplayOptions = {}): void {
    if (!this.parent) return;
    const content: Record<string, unknown> = {
      data: bundle,
      metadata: options.metadata ?? {},
      transient: {},
    };
    if (options.displayId) content.transient = { display_id: options.displayId };
    this.publish(
      this.parent,
      options.update && options.displayId ? "update_display_data" : "display_data",
      content,
    );
  }

  clear(wait = false): void {
    if (this.parent) this.publish(this.parent, "clear_output", { wait });
  }

  stream(name: "stdout" | "stderr", text: string): void {
    if (this.parent && text.length > 0) this.publish(this.parent, "stream", { name, text });
    else if (!this.parent) this.log(text);
  }

  /** A line for the kernel's log (the real stderr, which Jupyter shows in its own log). */
  log(text: string): void {
    this.realStderrWrite(text.endsWith("\n") ? text : `${text}\n`);
  }

  /** Sends everything written to process.stdout / process.stderr to the current cell. */
  captureProcessStreams(): void {
    const decoder = new TextDecoder();
    const capture =
      (name: "stdout" | "stderr") =>
      (chunk: string | Uint8Array, ...rest: unknown[]) => {
        this.stream(name, typeof chunk === "string" ? chunk : decoder.decode(chunk));
        const callback = rest.find((argument) => typeof argument === "function");
        if (typeof callback === "function") callback();
        return true;
      };
    process.stdout.write = capture("stdout");
    process.stderr.write = capture("stderr");
  }
}
