import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { bundleOf, normalizeBundle } from "../../../kernel/src/execution/display";
import { mapEmittedLines } from "../../../kernel/src/execution/lines";
import { kernelSpec, parseInstallArgs } from "../../../kernel/src/install";
import { CommRegistry } from "../../../kernel/src/protocol/comms";
import { History, HISTORY_OUTPUT_CHARS } from "../../../kernel/src/protocol/history";
import { decode, encode, reply, WireError } from "../../../kernel/src/wire/message";

const header = (msg_type: string) => ({
  msg_id: "m1",
  msg_type,
  session: "s",
  username: "u",
  date: "",
  version: "5.3",
});

function frames(key: string, content: object, signature?: string): Buffer[] {
  const parts = [header("execute_request"), {}, {}, content].map((p) => Buffer.from(JSON.stringify(p)));
  const hmac = createHmac("sha256", key);
  for (const part of parts) hmac.update(part);
  return [
    Buffer.from("client-id"),
    Buffer.from("<IDS|MSG>"),
    Buffer.from(signature ?? hmac.digest("hex")),
    ...parts,
  ];
}

describe("the wire", () => {
  it("accepts a message signed with the key (HMAC-SHA256 over the four JSON frames)", () => {
    const message = decode("secret", frames("secret", { code: "1" }));
    expect(message.content).toEqual({ code: "1" });
    expect(message.identities.map(String)).toEqual(["client-id"]);
  });

  it("rejects a wrong signature without revealing the expected one", () => {
    const expected = createHmac("sha256", "secret")
      .update(JSON.stringify(header("execute_request")))
      .digest("hex");
    const error = (() => {
      try {
        decode("secret", frames("other", { code: "1" }));
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(WireError);
    expect(error?.message).toBe("invalid HMAC signature");
    expect(error?.message).not.toContain(expected);
  });

  it("signs what it sends so that a peer with the key verifies it", () => {
    const request = decode("k", frames("k", {}));
    const out = encode("k", reply(request, "execute_reply", { status: "ok" })).map((f) => Buffer.from(f));
    expect(decode("k", out).header.msg_type).toBe("execute_reply");
  });

  it("parents a reply to its request and keeps the request's routing identities", () => {
    const request = decode("k", frames("k", {}));
    const answer = reply(request, "kernel_info_reply", {});
    expect(answer.parent_header).toEqual(request.header);
    expect(answer.identities).toBe(request.identities);
  });
});

describe("history", () => {
  const history = new History();
  ["1 + 1", "let a = 2", "1 + 1", "a * 3"].forEach((code, i) => history.record(i + 1, code));
  history.recordOutput(1, "2");

  it("answers tail with the last n inputs", () => {
    expect(history.query({ hist_access_type: "tail", n: 2 })).toEqual([
      [1, 3, "1 + 1"],
      [1, 4, "a * 3"],
    ]);
  });

  it("answers range with [start, stop)", () => {
    expect(history.query({ hist_access_type: "range", session: 0, start: 2, stop: 3 })).toEqual([
      [1, 2, "let a = 2"],
    ]);
  });

  it("answers a glob search, once per input with unique", () => {
    expect(history.query({ hist_access_type: "search", pattern: "1 *" })).toHaveLength(2);
    expect(history.query({ hist_access_type: "search", pattern: "1 *", unique: true })).toEqual([
      [1, 3, "1 + 1"],
    ]);
  });

  it("pairs inputs with outputs on request", () => {
    expect(history.query({ hist_access_type: "range", start: 1, stop: 2, output: true })).toEqual([
      [1, 1, ["1 + 1", "2"]],
    ]);
  });

  it("keeps only the start of a very long output, saying how much was left out", () => {
    const long = new History();
    long.record(1, '"x".repeat(50e6)');
    long.recordOutput(1, "x".repeat(50e6));
    const [entry] = long.query({ hist_access_type: "tail", n: 1, output: true });
    const output = (entry?.[2] as [string, string])[1];
    expect(output.length).toBeLessThan(20_000);
    expect(output.startsWith("x".repeat(HISTORY_OUTPUT_CHARS))).toBe(true);
    expect(output).toContain(`${50e6 - HISTORY_OUTPUT_CHARS} more characters not kept`);
  });
});

describe("comms", () => {
  it("closes a comm opened for an unknown target", () => {
    const sent: [string, object][] = [];
    const comms = new CommRegistry((type, content) => sent.push([type, content]));
    comms.handleOpen({ comm_id: "c1", target_name: "nobody", data: {} });
    expect(sent).toEqual([["comm_close", { comm_id: "c1", data: {} }]]);
  });

  it("routes messages to the target and answers on the same comm", () => {
    const sent: [string, object][] = [];
    const comms = new CommRegistry((type, content) => sent.push([type, content]));
    comms.register("echo", { message: (comm, data) => comm.send({ echoed: data }) });
    comms.handleOpen({ comm_id: "c2", target_name: "echo" });
    comms.handleMessage({ comm_id: "c2", data: { x: 1 } });
    expect(sent).toEqual([["comm_msg", { comm_id: "c2", data: { echoed: { x: 1 } } }]]);
    expect(comms.info("echo")).toEqual({ c2: { target_name: "echo" } });
    comms.handleClose({ comm_id: "c2" });
    expect(comms.info()).toEqual({});
  });
});

describe("display bundles", () => {
  it("uses an object's Jupyter.display bundle and keeps JSON as an object", async () => {
    const value = {
      [Symbol.for("Jupyter.display")]: () => ({ "application/vnd.x.v1+json": '{"a":1}', "text/plain": "x" }),
    };
    expect(await bundleOf(value)).toEqual({ "application/vnd.x.v1+json": { a: 1 }, "text/plain": "x" });
  });

  it("shows other values as the Node REPL does", async () => {
    expect(await bundleOf("hi")).toEqual({ "text/plain": "'hi'" });
  });

  it("encodes image bytes as base64", () => {
    expect(normalizeBundle({ "image/png": new Uint8Array([1, 2, 3]) })["image/png"]).toBe("AQID");
  });

  it("rejects a key that is not a mime type", () => {
    expect(() => normalizeBundle({ html: "<b>" })).toThrow(/not a mime type/);
  });
});

describe("traceback lines", () => {
  it("maps emitted lines back to the TypeScript cell, skipping export bookkeeping", () => {
    const cell = "const a: number = 1;\n\nfunction f(x: number) {\n  throw new Error('boom ' + x);\n}\nf(a)";
    const emitted =
      "Object.defineProperty(exports, \"__esModule\", { value: true });\nexports.a = exports.f = void 0;\nconst a = 1;\nexports.a = a;\nfunction f(x) {\n    throw new Error('boom ' + x);\n}\nexports.f = f;\nf(a);";
    expect(mapEmittedLines(cell, emitted)).toEqual([-1, -1, 0, -1, 2, 3, 4, -1, 5]);
  });
});

describe("install", () => {
  it("writes a message-mode kernelspec that runs this node on the bin", () => {
    const spec = kernelSpec("/x/kernel/dist/bin.js");
    expect(spec).toMatchObject({
      display_name: "TypeScript (deltalab)",
      language: "typescript",
      interrupt_mode: "message",
    });
    expect(spec.argv).toEqual([process.execPath, "/x/kernel/dist/bin.js", "kernel", "{connection_file}"]);
  });

  it("reads --prefix and rejects two targets", () => {
    expect(parseInstallArgs(["--prefix", "/tmp/p"])).toEqual({ kind: "prefix", prefix: "/tmp/p" });
    expect(() => parseInstallArgs(["--user", "--sys-prefix"])).toThrow(/at most one/);
  });
});
