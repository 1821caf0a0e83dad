import type { PathEndMessage, PathPointMessage } from "@deltalab/core/payloads";
import { describe, expect, it } from "vitest";
import { SurfaceRunClient } from "../../../extension/src/surfaceComm";
import { fakeKernel } from "./fakeKernel";

function recorder() {
  const points: PathPointMessage[] = [];
  const ends: PathEndMessage[] = [];
  return {
    points,
    ends,
    handlers: {
      onPoint: (m: PathPointMessage) => points.push(m),
      onEnd: (m: PathEndMessage) => ends.push(m),
    },
  };
}

const request = { surfaceId: "s", optimizer: "sgd", point: [0, 0] as [number, number] };

describe("SurfaceRunClient", () => {
  it("opens one comm for several requests", () => {
    const k = fakeKernel();
    const client = new SurfaceRunClient(() => k.kernel);
    client.run(request, recorder().handlers);
    client.run(request, recorder().handlers);
    expect(k.comms).toHaveLength(1);
    expect(k.comms[0].sent).toHaveLength(2);
  });

  it("ends a streaming run as superseded when a new request starts, and drops its late points", () => {
    const k = fakeKernel();
    const client = new SurfaceRunClient(() => k.kernel);
    const first = recorder();
    const firstId = client.run(request, first.handlers) as string;
    client.run(request, recorder().handlers);
    k.reply({ action: "path-point", requestId: firstId, iteration: 0, point: [0, 0], loss: 1 });
    expect(first.ends.map((e) => e.reason)).toEqual(["superseded"]);
    expect(first.points).toHaveLength(0);
  });

  it("ends the run with an error when the kernel closes the comm", () => {
    const k = fakeKernel();
    const client = new SurfaceRunClient(() => k.kernel);
    const run = recorder();
    client.run(request, run.handlers);
    k.comms[0].comm.onClose({ content: { data: {} } });
    expect(run.ends).toEqual([
      expect.objectContaining({ reason: "error", message: "the kernel closed the connection" }),
    ]);
  });

  it("reports a kernel that refuses the comm instead of throwing", () => {
    const client = new SurfaceRunClient(() => ({
      createComm: () => {
        throw new Error("Comms are disabled on this kernel connection");
      },
    }));
    const result = client.run(request, recorder().handlers);
    expect(result instanceof Error && result.message).toBe(
      "the kernel refused the connection (Comms are disabled on this kernel connection)",
    );
  });
});
