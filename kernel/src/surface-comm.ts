/**
 * The `deltalab` comm target: a loss-surface view asks the kernel to run an optimizer from a clicked point
 * (core/src/payloads/comm.ts). Each `run-from` is answered on the same comm with one `path-point` per iterate,
 * then one `path-end`; a new request on a comm supersedes the run still streaming there.
 */
import type { Comm, CommTarget } from "./protocol/comms";
import type { JsonObject } from "./wire/message";

export interface PlanePoint {
  point: [number, number];
  loss: number;
}

/** Runs `optimizer` on the surface `surfaceId` from `point`, yielding iterates in plane coordinates. */
export type PlaneRunner = (
  surfaceId: string,
  optimizer: string,
  point: [number, number],
  signal: AbortSignal,
) => AsyncIterable<PlanePoint> | Iterable<PlanePoint>;

export type RunEnd = "converged" | "max-iterations" | "diverged";

/** Thrown by a PlaneRunner for a request it cannot serve (unknown surface or optimizer). */
export class RunFromError extends Error {}

function readRunFrom(data: JsonObject): {
  requestId: string;
  surfaceId: string;
  optimizer: string;
  point: [number, number];
} {
  const { requestId, surfaceId, optimizer, point } = data;
  if (typeof requestId !== "string" || requestId === "")
    throw new RunFromError("requestId must be a non-empty string");
  if (typeof surfaceId !== "string" || typeof optimizer !== "string")
    throw new RunFromError("surfaceId and optimizer must be strings");
  if (
    !Array.isArray(point) ||
    point.length !== 2 ||
    !point.every((v) => typeof v === "number" && Number.isFinite(v))
  ) {
    throw new RunFromError("point must be two finite numbers");
  }
  return { requestId, surfaceId, optimizer, point: [point[0], point[1]] };
}

export function surfaceCommTarget(run: PlaneRunner, log: (text: string) => void): CommTarget {
  const running = new Map<string, { requestId: string; controller: AbortController }>();
  const supersede = (comm: Comm) => {
    const previous = running.get(comm.id);
    if (!previous) return;
    previous.controller.abort();
    comm.send({ action: "path-end", requestId: previous.requestId, reason: "superseded" });
    running.delete(comm.id);
  };
  return {
    message(comm, data) {
      if (data.action !== "run-from") {
        log(`the deltalab comm got an unknown action ${JSON.stringify(data.action)}`);
        return;
      }
      const requestId = typeof data.requestId === "string" ? data.requestId : "";
      supersede(comm);
      const controller = new AbortController();
      running.set(comm.id, { requestId, controller });
      void (async () => {
        let reason: "max-iterations" | "error" = "max-iterations";
        let message: string | undefined;
        try {
          const request = readRunFrom(data);
          let iteration = 0;
          for await (const step of run(
            request.surfaceId,
            request.optimizer,
            request.point,
            controller.signal,
          )) {
            if (controller.signal.aborted) return;
            comm.send({ action: "path-point", requestId, iteration, point: step.point, loss: step.loss });
            iteration += 1;
          }
        } catch (error) {
          reason = "error";
          message = (error as Error).message;
        }
        if (controller.signal.aborted) return;
        running.delete(comm.id);
        comm.send({ action: "path-end", requestId, reason, ...(message ? { message } : {}) });
      })();
    },
    close(comm) {
      running.get(comm.id)?.controller.abort();
      running.delete(comm.id);
    },
  };
}
