/**
 * Comms (messaging spec, "Custom Messages"): comm_open / comm_msg / comm_close in both directions. A target is a
 * name with a handler that is told of each message of its comms; it answers through the Comm it gets. Opening a
 * comm for an unknown target is answered with comm_close, as the spec asks.
 */
import type { JsonObject } from "../wire/message";

export interface Comm {
  readonly id: string;
  readonly target: string;
  send(data: JsonObject): void;
  close(data?: JsonObject): void;
}

export interface CommTarget {
  open?(comm: Comm, data: JsonObject): void;
  message(comm: Comm, data: JsonObject): void;
  close?(comm: Comm, data: JsonObject): void;
}

/** How the registry sends comm messages on IOPub, parented to the request that caused them. */
export type CommPublisher = (msgType: "comm_open" | "comm_msg" | "comm_close", content: JsonObject) => void;

export class CommRegistry {
  private readonly targets = new Map<string, CommTarget>();
  private readonly open = new Map<string, Comm>();

  constructor(private readonly publish: CommPublisher) {}

  register(name: string, target: CommTarget): void {
    this.targets.set(name, target);
  }

  /** The comm_info_reply `comms` field: id -> {target_name}, optionally for one target. */
  info(targetName?: string): Record<string, { target_name: string }> {
    const comms: Record<string, { target_name: string }> = {};
    for (const comm of this.open.values()) {
      if (!targetName || comm.target === targetName) comms[comm.id] = { target_name: comm.target };
    }
    return comms;
  }

  handleOpen(content: JsonObject): void {
    const id = String(content.comm_id ?? "");
    const targetName = String(content.target_name ?? "");
    const target = this.targets.get(targetName);
    if (!id) return;
    if (!target) {
      this.publish("comm_close", { comm_id: id, data: {} });
      return;
    }
    const comm = this.makeComm(id, targetName);
    this.open.set(id, comm);
    target.open?.(comm, dataOf(content));
  }

  handleMessage(content: JsonObject): void {
    const comm = this.open.get(String(content.comm_id ?? ""));
    if (comm) this.targets.get(comm.target)?.message(comm, dataOf(content));
  }

  handleClose(content: JsonObject): void {
    const id = String(content.comm_id ?? "");
    const comm = this.open.get(id);
    if (!comm) return;
    this.open.delete(id);
    this.targets.get(comm.target)?.close?.(comm, dataOf(content));
  }

  private makeComm(id: string, target: string): Comm {
    return {
      id,
      target,
      send: (data) => {
        if (this.open.has(id)) this.publish("comm_msg", { comm_id: id, data });
      },
      close: (data = {}) => {
        if (this.open.delete(id)) this.publish("comm_close", { comm_id: id, data });
      },
    };
  }
}

function dataOf(content: JsonObject): JsonObject {
  const data = content.data;
  return data !== null && typeof data === "object" && !Array.isArray(data) ? (data as JsonObject) : {};
}
