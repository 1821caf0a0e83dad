/**
 * The one door to tslab's internals (tslab 1.0.22, pinned exactly in package.json).
 *
 * deltalab reuses tslab's TypeScript converter (type checks, declarations carried from cell to cell, the name of
 * the last expression, top-level await), its completeness check, its quick-info printer and the ZeroMQ binding it
 * ships. tslab's own executor and ZMQ server are not used: the executor prints values and errors to the console
 * instead of returning them, and the server compares HMAC signatures with `==`, cancels requests for 200 ms after
 * an error and has no `interrupt_request`. Everything else in the kernel imports tslab only through this file.
 */
import { createRequire } from "node:module";
import type { CompletionInfo, Converter, Diagnostic } from "tslab/dist/converter";
import type * as TypeScript from "typescript";

export type { CompletionInfo, Converter, Diagnostic };

const tslabRequire = createRequire(createRequire(__filename).resolve("tslab/package.json"));

interface ConverterModule {
  createConverter(options: { isJS: boolean; isBrowser: boolean }): Converter;
  isCompleteCode(src: string): { completed: boolean; indent?: string };
}

interface QuickInfo {
  displayParts?: { text: string }[];
  documentation?: { text: string }[];
  tags?: { name: string; text?: { text: string }[] }[];
}

interface InspectModule {
  printQuickInfo(info: QuickInfo): string;
}

/**
 * The converter and the TypeScript compiler load on first use: the control thread, which imports this file for
 * the ZeroMQ binding, never loads them (the compiler alone is tens of megabytes per thread).
 */
function once<T>(load: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= load());
}
const converterModule = once((): ConverterModule => tslabRequire("./dist/converter"));
const inspectModule = once((): InspectModule => tslabRequire("./dist/inspect"));
const typescriptModule = once((): TypeScriptModule & typeof TypeScript =>
  tslabRequire("@tslab/typescript-for-tslab"),
);

/** The version of tslab in use and of the TypeScript compiler it bundles (read without loading them). */
export const tslabVersion: string = tslabRequire("./package.json").version;
export const typescriptVersion: string = tslabRequire("@tslab/typescript-for-tslab/package.json").version;

/**
 * A TypeScript-to-CommonJS converter for Node cells (tslab's `createConverter`), with the cell's source first
 * rewritten around two bugs of that converter (see `quotePropertyNames`).
 */
export function createNodeConverter(): Converter {
  const converter = converterModule().createConverter({ isJS: false, isBrowser: false });
  return {
    ...converter,
    convert: (previous, src) => converter.convert(previous, quotePropertyNames(src)),
    close: () => converter.close(),
  };
}

/**
 * tslab 1.0.22's converter reads a variable of an earlier cell as `exports.name`, choosing the identifiers to
 * rewrite by their symbol. That goes wrong in two places, both fixed here by rewriting the source without changing
 * its meaning (nor its line numbers):
 * - a renamed property in a destructuring, `const { a: b } = o` with `o` from an earlier cell: `a` resolves to
 *   the property of o's type, declared in the earlier cell, so `a` is rewritten too and the emitted pattern
 *   breaks ("Identifier 'exports' has already been declared"). A string key, `{ "a": b }`, is not an identifier.
 * - a shorthand property, `{ x }` with `x` from an earlier cell: the converter does not rewrite it, and the cell
 *   fails with "x is not defined". Written out as `{ "x": x }`, the value is an ordinary identifier.
 */
export function quotePropertyNames(src: string): string {
  const ts = typescriptModule();
  const file = ts.createSourceFile("cell.ts", src, ts.ScriptTarget.Latest, true);
  const edits: { start: number; end: number; text: string }[] = [];
  const visit = (node: TypeScript.Node): void => {
    if (ts.isBindingElement(node) && node.propertyName && ts.isIdentifier(node.propertyName)) {
      const name = node.propertyName;
      edits.push({ start: name.getStart(file), end: name.end, text: JSON.stringify(name.text) });
    } else if (ts.isShorthandPropertyAssignment(node)) {
      const name = node.name;
      edits.push({
        start: name.getStart(file),
        end: name.end,
        text: `${JSON.stringify(name.text)}: ${name.text}`,
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return edits
    .sort((a, b) => b.start - a.start)
    .reduce((text, edit) => text.slice(0, edit.start) + edit.text + text.slice(edit.end), src);
}

/** Whether `src` is a complete cell, and the indent of the next line when it is not. */
export function isCompleteCode(src: string): { completed: boolean; indent?: string } {
  return converterModule().isCompleteCode(src);
}

interface TypeScriptModule {
  sys: FileSystemHost;
  version: string;
  ScriptTarget: { Latest: number };
  createSourceFile(name: string, text: string, target: number): { parseDiagnostics?: unknown[] };
}

/** Whether `src` has syntax errors (TypeScript's parser, as the converter uses it). */
export function hasSyntaxErrors(src: string): boolean {
  const typescript = typescriptModule();
  const parsed = typescript.createSourceFile("cell.ts", src, typescript.ScriptTarget.Latest);
  return (parsed.parseDiagnostics?.length ?? 0) > 0;
}

/** The text of a TypeScript quick-info (hover) result. */
export function quickInfoText(info: QuickInfo): string {
  return inspectModule().printQuickInfo(info);
}

/** The subset of TypeScript's `sys` that module resolution reads; patched to make `deltalab` resolvable. */
export interface FileSystemHost {
  fileExists(path: string): boolean;
  readFile(path: string, encoding?: string): string | undefined;
  directoryExists(path: string): boolean;
}

/** TypeScript's `sys` object as used by tslab's converter (each converter delegates to it). */
export function typescriptSys(): FileSystemHost {
  return typescriptModule().sys;
}

/** The parts of zeromq 6 that the kernel's wire layer uses. */
export interface ZmqSocket extends AsyncIterable<Buffer[]> {
  bind(address: string): Promise<void>;
  send(frames: (Buffer | string)[]): Promise<void>;
  close(): void;
  linger: number;
  /** Milliseconds a send may wait for the socket; 0: never wait (and never defer the send). */
  sendTimeout: number;
  /** Messages queued per peer before ZeroMQ drops (publisher, router) or blocks; 0: no limit. */
  sendHighWaterMark: number;
}

export interface ZmqModule {
  Router: new () => ZmqSocket;
  Publisher: new () => ZmqSocket;
  Reply: new () => ZmqSocket;
}

/** The zeromq binding tslab depends on (prebuilt for linux-x64). */
export function loadZmq(): ZmqModule {
  return tslabRequire("zeromq");
}
