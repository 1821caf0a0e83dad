/**
 * Jupyter messages on the wire (messaging spec 5.3, "The Wire Protocol"):
 * [identities..., "<IDS|MSG>", hmac, header, parent_header, metadata, content, buffers...].
 * The signature is HMAC-SHA256 over the four JSON frames, compared in constant time.
 */
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

export const PROTOCOL_VERSION = "5.3";
const DELIMITER = Buffer.from("<IDS|MSG>");

export interface MessageHeader {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
  subshell_id?: string | null;
}

export type JsonObject = { [key: string]: unknown };

export interface JupyterMessage<Content = JsonObject> {
  identities: Buffer[];
  header: MessageHeader;
  parent_header: MessageHeader | Record<string, never>;
  metadata: JsonObject;
  content: Content;
  buffers: Buffer[];
}

/** Why a raw multipart message was rejected. */
export class WireError extends Error {
  override name = "WireError";
}

/** The hex HMAC-SHA256 of the four JSON frames; empty when the connection has no key (signing disabled). */
export function sign(key: string, frames: (Buffer | string)[]): string {
  if (key === "") return "";
  const hmac = createHmac("sha256", key);
  for (const frame of frames) hmac.update(frame);
  return hmac.digest("hex");
}

/** Constant-time check of a received signature (the expected one is never revealed). */
export function signatureMatches(key: string, signature: string, frames: Buffer[]): boolean {
  if (key === "") return true;
  const expected = Buffer.from(sign(key, frames), "utf8");
  const received = Buffer.from(signature, "utf8");
  if (received.length !== expected.length) {
    timingSafeEqual(expected, expected);
    return false;
  }
  return timingSafeEqual(expected, received);
}

function parseJsonFrame(frame: Buffer | undefined, what: string): JsonObject {
  if (frame === undefined) throw new WireError(`message has no ${what} frame`);
  const value: unknown = JSON.parse(frame.toString("utf8"));
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new WireError(`the ${what} frame is not a JSON object`);
  }
  return value as JsonObject;
}

function isHeader(value: JsonObject): value is JsonObject & MessageHeader {
  return typeof value.msg_id === "string" && typeof value.msg_type === "string";
}

/** Parses and verifies a multipart message; throws WireError when it is malformed or wrongly signed. */
export function decode(key: string, frames: Buffer[]): JupyterMessage {
  const delimiterAt = frames.findIndex((frame) => frame.equals(DELIMITER));
  if (delimiterAt < 0) throw new WireError("message has no <IDS|MSG> delimiter");
  const signature = frames[delimiterAt + 1]?.toString("utf8") ?? "";
  const signed = frames.slice(delimiterAt + 2, delimiterAt + 6);
  if (signed.length < 4) throw new WireError(`message has ${signed.length} of the 4 JSON frames`);
  if (!signatureMatches(key, signature, signed)) {
    throw new WireError("invalid HMAC signature");
  }
  const header = parseJsonFrame(signed[0], "header");
  if (!isHeader(header)) throw new WireError("the header has no msg_id or msg_type");
  return {
    identities: frames.slice(0, delimiterAt),
    header,
    parent_header: parseJsonFrame(signed[1], "parent header") as JupyterMessage["parent_header"],
    metadata: parseJsonFrame(signed[2], "metadata"),
    content: parseJsonFrame(signed[3], "content"),
    buffers: frames.slice(delimiterAt + 6),
  };
}

/** Serializes and signs a message into frames ready for a socket. */
export function encode(key: string, message: JupyterMessage<unknown>): (Buffer | string)[] {
  const json = [message.header, message.parent_header, message.metadata, message.content].map((part) =>
    JSON.stringify(part),
  );
  return [...message.identities, DELIMITER, sign(key, json), ...json, ...message.buffers];
}

/** A new message of `msgType` parented to `parent` (a reply or an IOPub message caused by it). */
export function reply<Content>(
  parent: JupyterMessage,
  msgType: string,
  content: Content,
  identities: Buffer[] = parent.identities,
): JupyterMessage<Content> {
  return {
    identities,
    header: {
      msg_id: randomUUID(),
      msg_type: msgType,
      session: parent.header.session,
      username: parent.header.username,
      date: new Date().toISOString(),
      version: PROTOCOL_VERSION,
    },
    parent_header: parent.header,
    metadata: {},
    content,
    buffers: [],
  };
}
