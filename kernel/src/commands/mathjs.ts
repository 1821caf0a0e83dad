/**
 * The part of mathjs (15.2) that %derive uses. mathjs is an ES module with a CommonJS build; this package compiles
 * to CommonJS, so it loads the CommonJS build and describes the few members it uses here (mathjs's own type
 * declarations are ESM-only and cannot be imported from a CommonJS module).
 */
import { createRequire } from "node:module";

export interface MathNode {
  readonly type: string;
  toTex(options?: { handler?: (node: MathNode) => string | undefined }): string;
  toString(): string;
  evaluate(scope?: Record<string, number>): unknown;
  map(callback: (child: MathNode) => MathNode): MathNode;
  traverse(callback: (node: MathNode, path: string, parent: MathNode | null) => void): void;
  clone(): this;
}

export interface FunctionNode extends MathNode {
  fn: MathNode;
  args: MathNode[];
}

export interface SymbolNode extends MathNode {
  name: string;
}

interface MathApi {
  parse(text: string): MathNode;
  derivative(node: MathNode, variable: string): MathNode;
  isFunctionNode(value: unknown): value is FunctionNode;
  isSymbolNode(value: unknown): value is SymbolNode;
}

export const { parse, derivative, isFunctionNode, isSymbolNode }: MathApi =
  createRequire(__filename)("mathjs");
