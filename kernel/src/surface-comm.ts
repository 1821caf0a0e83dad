/**
 * The `deltalab` comm target: a loss-surface view asks the kernel to run an optimizer from a clicked point
 * (core/src/payloads/comm.ts). Each `run-from` is answered on the same comm with one `path-point` per iterate,
 * then one `path-end`. Runs on a plane are short and run to the end at once, so a request never finds an earlier
 * one still streaming (nothing is ever "superseded").
 */
import type { StepEdit, StepsPayload } from "@deltalab/core/payloads";
import type { Comm, CommTarget } from "./protocol/comms";
import type { JsonObject } from "./wire/message";

export interface PlanePoint {
  point: [number, number];
  loss: number;
}

export type RunEnd = "converged" | "max-iterations" | "diverged";

/** Runs `optimizer` on the surface `surfaceId` from `point`: the iterates in plane coordinates and why it ended. */
export type PlaneRunner = (
  surfaceId: string,
  optimizer: string,
  point: [number, number],
  signal: AbortSignal,
) => { points: Iterable<PlanePoint>; end: RunEnd };

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

/** Recomputes the stepper `session` with edits (and applies them to the notebook's model when asked). */
export type StepEditor = (session: string, edits: StepEdit[], apply: boolean) => StepsPayload;

/** Answers a `step-edit` with one `steps-update`: the new steps, or why the edit was refused. */
function answerStepEdit(comm: Comm, data: JsonObject, edit: StepEditor | undefined): void {
  const requestId = typeof data.requestId === "string" ? data.requestId : "";
  try {
    if (!edit) throw new Error("this kernel cannot edit steppers");
    const { session, edits, apply } = data;
    if (typeof session !== "string" || !Array.isArray(edits)) {
      throw new Error("a step-edit needs a session id and a list of edits");
    }
    const checked = edits.map((e) => {
      const { matrix, index, value } = (e ?? {}) as Record<string, unknown>;
      if (typeof matrix !== "string" || typeof index !== "number" || typeof value !== "number") {
        throw new Error("each edit needs a matrix name, an entry index and a number");
      }
      return { matrix, index, value };
    });
    const payload = edit(session, checked, apply === true);
    comm.send({ action: "steps-update", requestId, payload });
  } catch (error) {
    comm.send({ action: "steps-update", requestId, error: (error as Error).message });
  }
}

/**
 * `edit`, when given, serves the stepper views' `step-edit` requests (core/src/payloads/steps.ts) on the same
 * target.
 */
export function surfaceCommTarget(
  run: PlaneRunner,
  log: (text: string) => void,
  edit?: StepEditor,
): CommTarget {
  return {
    message(comm: Comm, data: JsonObject) {
      if (data.action === "step-edit") {
        answerStepEdit(comm, data, edit);
        return;
      }
      if (data.action !== "run-from") {
        log(`the deltalab comm got an unknown action ${JSON.stringify(data.action)}`);
        return;
      }
      const requestId = typeof data.requestId === "string" ? data.requestId : "";
      let reason: RunEnd | "error" = "max-iterations";
      let message: string | undefined;
      try {
        const request = readRunFrom(data);
        const { points, end } = run(
          request.surfaceId,
          request.optimizer,
          request.point,
          new AbortController().signal,
        );
        let iteration = 0;
        for (const step of points) {
          comm.send({ action: "path-point", requestId, iteration, point: step.point, loss: step.loss });
          iteration += 1;
        }
        reason = end;
      } catch (error) {
        reason = "error";
        message = (error as Error).message;
      }
      comm.send({ action: "path-end", requestId, reason, ...(message ? { message } : {}) });
    },
  };
}
