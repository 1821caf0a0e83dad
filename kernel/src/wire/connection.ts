/** The connection file Jupyter writes for a kernel (messaging spec, "Kernel connection"). */
import { readFileSync } from "node:fs";

export interface ConnectionInfo {
  transport: "tcp" | "ipc";
  ip: string;
  key: string;
  signature_scheme: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
}

const PORTS = ["shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"] as const;
export type Channel = "shell" | "iopub" | "stdin" | "control" | "hb";

/** Reads and checks a connection file; throws an error naming the file and the field that is wrong. */
export function readConnectionFile(path: string): ConnectionInfo {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`cannot read the connection file ${path}: ${(error as Error).message}`);
  }
  const info = {
    transport: parsed.transport ?? "tcp",
    ip: parsed.ip ?? "127.0.0.1",
    key: parsed.key ?? "",
    signature_scheme: parsed.signature_scheme ?? "hmac-sha256",
  };
  if (info.transport !== "tcp" && info.transport !== "ipc") {
    throw new Error(`${path}: transport must be "tcp" or "ipc", not ${JSON.stringify(info.transport)}`);
  }
  if (typeof info.key !== "string" || typeof info.ip !== "string") {
    throw new Error(`${path}: key and ip must be strings`);
  }
  if (info.key !== "" && info.signature_scheme !== "hmac-sha256") {
    throw new Error(
      `${path}: signature_scheme must be "hmac-sha256", not ${JSON.stringify(info.signature_scheme)}`,
    );
  }
  for (const port of PORTS) {
    if (!Number.isInteger(parsed[port])) throw new Error(`${path}: ${port} must be an integer`);
  }
  return { ...parsed, ...info } as ConnectionInfo;
}

/** The ZeroMQ endpoint of one channel, e.g. tcp://127.0.0.1:5555 or ipc://kernel-ipc-1. */
export function endpoint(info: ConnectionInfo, channel: Channel): string {
  const port = info[`${channel}_port`];
  return info.transport === "tcp" ? `tcp://${info.ip}:${port}` : `ipc://${info.ip}-${port}`;
}
