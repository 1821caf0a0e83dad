import {
  DELTALAB_COMM_TARGET,
  PATH_END_SCHEMA_V1,
  PATH_POINT_SCHEMA_V1,
  PathEndMessage,
  PathPointMessage,
  RunFromMessage,
} from "@deltalab/core/payloads";
import type { CommLike, KernelLike } from "./kernelLink";
import { readPayload } from "./validate";

export interface RunHandlers {
  onPoint(message: PathPointMessage): void;
  onEnd(message: PathEndMessage): void;
}

const noProblems = () => [];
const pointSpec = { name: "path-point message", schema: PATH_POINT_SCHEMA_V1, problems: noProblems };
const endSpec = { name: "path-end message", schema: PATH_END_SCHEMA_V1, problems: noProblems };

/**
 * The front end's side of the `run-from` exchange (see payloads/comm.ts): one comm per view, opened on the first
 * request; each request supersedes the one before, whose later messages are dropped. Messages from the kernel are
 * validated like payloads; an invalid one ends the run with an error that says why.
 */
export class SurfaceRunClient {
  private comm: CommLike | undefined;
  private active: { requestId: string; handlers: RunHandlers } | undefined;
  private counter = 0;

  constructor(private readonly kernel: () => KernelLike | undefined) {}

  /** Sends a run-from request; returns its id, or an Error when no kernel can take it. */
  run(request: Omit<RunFromMessage, "action" | "requestId">, handlers: RunHandlers): string | Error {
    const comm = this.openComm();
    if (comm instanceof Error) return comm;
    this.counter += 1;
    const requestId = `${comm.commId}:${this.counter}`;
    this.endActive("superseded");
    this.active = { requestId, handlers };
    const message: RunFromMessage = { action: "run-from", requestId, ...request };
    comm.send(message);
    return requestId;
  }

  dispose(): void {
    this.endActive("superseded");
    const comm = this.comm;
    this.comm = undefined;
    comm?.close();
  }

  private openComm(): CommLike | Error {
    if (this.comm) return this.comm;
    const kernel = this.kernel();
    if (!kernel) return new Error("no kernel is connected to this notebook");
    try {
      const comm = kernel.createComm(DELTALAB_COMM_TARGET);
      comm.onMsg = (msg) => this.receive(msg.content.data);
      comm.onClose = () => {
        if (this.comm === comm) this.comm = undefined;
        this.endActive("error", "the kernel closed the connection");
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
    const active = this.active;
    if (!active || typeof data !== "object" || data === null) return;
    if (!("requestId" in data) || data.requestId !== active.requestId) return;
    const action = "action" in data ? data.action : undefined;
    if (action === "path-point") {
      const point = readPayload<PathPointMessage>(data, pointSpec);
      if (point.ok) active.handlers.onPoint(point.value);
      else this.endActive("error", point.error);
    } else if (action === "path-end") {
      const end = readPayload<PathEndMessage>(data, endSpec);
      this.active = undefined;
      active.handlers.onEnd(
        end.ok
          ? end.value
          : { action: "path-end", requestId: active.requestId, reason: "error", message: end.error },
      );
    } else {
      this.endActive("error", `the kernel sent an unknown action ${JSON.stringify(action)}`);
    }
  }

  private endActive(reason: PathEndMessage["reason"], message?: string): void {
    const active = this.active;
    if (!active) return;
    this.active = undefined;
    active.handlers.onEnd({
      action: "path-end",
      requestId: active.requestId,
      reason,
      ...(message ? { message } : {}),
    });
  }
}
