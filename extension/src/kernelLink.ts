import type { Widget } from "@lumino/widgets";

/**
 * The part of a JupyterLab kernel connection (@jupyterlab/services Kernel.IKernelConnection and Kernel.IComm)
 * that the loss-surface view uses to talk to the kernel that produced it.
 */
export interface CommMessage {
  content: { data: unknown };
}

export interface CommLike {
  readonly commId: string;
  open(data?: unknown): unknown;
  send(data: unknown): unknown;
  close(data?: unknown): unknown;
  onMsg: (msg: CommMessage) => void | PromiseLike<void>;
  onClose: (msg: CommMessage) => void | PromiseLike<void>;
}

export interface KernelLike {
  createComm(targetName: string): CommLike;
}

/** What a notebook or console panel exposes: its session context, whose session may have a kernel. */
interface SessionHolder {
  sessionContext: { session?: { kernel?: KernelLike | null } | null };
}

function holdsSession(widget: Widget): widget is Widget & SessionHolder {
  if (!("sessionContext" in widget)) return false;
  const context = widget.sessionContext;
  return typeof context === "object" && context !== null;
}

/**
 * A mime renderer gets no kernel handle. Its widget does sit inside the notebook (or console) panel that shows
 * the output, and that panel holds the session context: walk up the widget's parents to it and take its current
 * kernel. Undefined when the output is shown elsewhere (a detached output view, a static page) or no kernel runs.
 * Called at the time of use, so a restarted or changed kernel is picked up.
 */
export function findKernel(widget: Widget): KernelLike | undefined {
  for (let ancestor = widget.parent; ancestor; ancestor = ancestor.parent) {
    if (holdsSession(ancestor)) {
      const kernel = ancestor.sessionContext.session?.kernel;
      return kernel && typeof kernel.createComm === "function" ? kernel : undefined;
    }
  }
  return undefined;
}
