/**
 * Makes `import ... from "deltalab"` (and `@deltalab/core`, `@deltalab/shaders`) type-check from any notebook
 * folder: the converter's module resolution (Node10, from the notebook folder) is shown a declaration file
 * `<folder>/node_modules/<id>.d.ts` that re-exports the kernel's own declarations. Nothing is written to disk.
 */
import { join } from "node:path";
import { typescriptSys } from "../tslab";

function slashes(path: string): string {
  return path.replace(/\\/g, "/");
}

/**
 * @param cwd the notebook folder (the converter's root)
 * @param targets module id -> absolute path of its declarations without extension (e.g. /x/core/dist/index)
 */
export function installTypeResolution(cwd: string, targets: Record<string, string>): void {
  const virtualFiles = new Map<string, string>();
  const virtualDirectories = new Set<string>();
  for (const [id, target] of Object.entries(targets)) {
    const file = slashes(join(cwd, "node_modules", `${id}.d.ts`));
    virtualFiles.set(file, `export * from ${JSON.stringify(slashes(target))};\n`);
    if (id.includes("/")) virtualDirectories.add(slashes(join(cwd, "node_modules", id.split("/")[0] ?? "")));
  }
  virtualDirectories.add(slashes(join(cwd, "node_modules")));
  const sys = typescriptSys();
  const fileExists = sys.fileExists.bind(sys);
  const readFile = sys.readFile.bind(sys);
  const directoryExists = sys.directoryExists.bind(sys);
  sys.fileExists = (path) => virtualFiles.has(slashes(path)) || fileExists(path);
  sys.readFile = (path, encoding) => virtualFiles.get(slashes(path)) ?? readFile(path, encoding);
  sys.directoryExists = (path) => virtualDirectories.has(slashes(path)) || directoryExists(path);
}
