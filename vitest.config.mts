import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Unit tests import the packages from their TypeScript sources, so they run without a build.
const alias = [
  { find: /^@deltalab\/core\/payloads$/, replacement: here("./core/src/payloads/index.ts") },
  { find: /^@deltalab\/core$/, replacement: here("./core/src/index.ts") },
  { find: /^@deltalab\/shaders$/, replacement: here("./shaders/src/index.ts") },
];

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: { name: "unit", include: ["test/unit/**/*.test.ts"], testTimeout: 60_000 },
      },
      {
        resolve: { alias },
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          testTimeout: 180_000,
          hookTimeout: 240_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
