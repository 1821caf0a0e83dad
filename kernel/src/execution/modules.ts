/**
 * How cells load modules. `deltalab`, `@deltalab/core` and `@deltalab/shaders` resolve to the kernel's own
 * copies from any notebook folder, with no install step, so values made in cells and by commands are instances
 * of the same classes. Local .ts files imported by a cell (compiled by the converter as "side outputs") load from
 * memory; everything else resolves from the notebook's folder as in Node.
 */
import Module, { createRequire } from "node:module";
import { dirname, extname, join, resolve } from "node:path";
import { runInThisContext } from "node:vm";

export type CellRequire = (id: string) => unknown;

/** Module ids cells may import without installing anything, and the kernel-side module each one is. */
export const BUILTIN_MODULE_IDS = ["deltalab", "@deltalab/core", "@deltalab/shaders"] as const;
export type BuiltinModuleId = (typeof BUILTIN_MODULE_IDS)[number];

interface LoadedModule {
  exports: unknown;
}

export class CellModules {
  private readonly sideOutputs = new Map<string, string>();
  private readonly sideModules = new Map<string, LoadedModule>();
  readonly require: CellRequire;

  constructor(
    cwd: string,
    private readonly builtins: Record<BuiltinModuleId, () => unknown>,
  ) {
    this.require = this.requireFrom(cwd, createRequire(join(cwd, "__cell__.js")));
  }

  /** Registers JavaScript compiled from local .ts files; a changed file is reloaded on its next import. */
  updateSideOutputs(outputs: { path: string; data: string }[]): void {
    for (const output of outputs) {
      this.sideModules.delete(output.path);
      this.sideOutputs.set(output.path, output.data);
    }
  }

  private requireFrom(dir: string, nodeRequire: CellRequire): CellRequire {
    return (id: string) => {
      if (isBuiltinModuleId(id)) return this.builtins[id]();
      if (id.startsWith(".") || id.startsWith("/")) {
        let filename = resolve(dir, id);
        if (extname(filename) === "") filename += ".js";
        const loaded = this.loadSideModule(filename);
        if (loaded !== undefined) return loaded;
      }
      return nodeRequire(id);
    };
  }

  private loadSideModule(filename: string): unknown {
    const cached = this.sideModules.get(filename);
    if (cached) return cached.exports;
    const source = this.sideOutputs.get(filename);
    if (source === undefined) return undefined;
    // The CommonJS wrapper, as Node's own loader applies it (Module.wrap).
    const mod: LoadedModule = { exports: {} };
    this.sideModules.set(filename, mod);
    const factory = runInThisContext(Module.wrap(source), { filename });
    factory.call(
      mod.exports,
      mod.exports,
      this.requireFrom(dirname(filename), createRequire(filename)),
      mod,
      filename,
      dirname(filename),
    );
    return mod.exports;
  }
}

export function isBuiltinModuleId(id: string): id is BuiltinModuleId {
  return (BUILTIN_MODULE_IDS as readonly string[]).includes(id);
}

/** The kernel's working directory for resolution (the notebook's folder). */
export function notebookDir(): string {
  return process.cwd();
}
