import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/",
      "**/dist/",
      "**/lib/",
      ".venv/",
      "extension/labextension/",
      "test-results/",
      "bench/results/",
      "bench/.venv-torch/",
      // AssemblyScript's @inline on a function is not TypeScript syntax (the kernel's blocks must be inlined with
      // constant sizes); .prettierignore names it too.
      "core/assembly/direct.ts",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  // The layers (docs/architecture.md): core imports nothing of ours; shaders imports core; kernel imports core and
  // shaders; the extension imports only the payload types. A package reaches another only by its package name.
  ...layerBoundaries(),
);

function layerBoundaries() {
  const intoFolder = (folders) => ({
    regex: `(^|/)\\.\\./(.*/)?(${folders.join("|")})/src(/|$)`,
    message:
      "a package imports another by its package name (@deltalab/...), never by a path into its sources",
  });
  const packages = (names, message) => ({ regex: `^@deltalab/(${names.join("|")})(/|$)`, message });
  const core = [
    packages(
      ["shaders", "kernel", "jupyterlab", "core"],
      "core imports nothing of ours (it is the bottom layer)",
    ),
    intoFolder(["shaders", "kernel", "extension"]),
  ];
  const layers = [
    { files: ["core/src/**/*.ts"], patterns: core },
    {
      // A later entry replaces the rule for its files, so the payloads repeat core's patterns.
      files: ["core/src/payloads/**/*.ts"],
      patterns: [
        ...core,
        {
          regex: "^\\.\\./",
          message: "the payload types stand alone: the extension loads them without the engine",
        },
      ],
    },
    {
      files: ["shaders/src/**/*.ts"],
      patterns: [
        packages(["kernel", "jupyterlab"], "shaders imports core only"),
        intoFolder(["core", "kernel", "extension"]),
      ],
    },
    {
      files: ["kernel/src/**/*.ts"],
      patterns: [
        packages(["jupyterlab"], "the kernel imports core and shaders only"),
        intoFolder(["core", "shaders", "extension"]),
      ],
    },
    {
      files: ["extension/src/**/*.ts", "extension/src/**/*.tsx"],
      patterns: [
        {
          regex: "^@deltalab/(?!core/payloads$)",
          message: "the extension imports only the payload types (@deltalab/core/payloads)",
        },
        intoFolder(["core", "shaders", "kernel"]),
      ],
    },
  ];
  return layers.map(({ files, patterns }) => ({
    files,
    rules: { "no-restricted-imports": ["error", { patterns }] },
  }));
}
