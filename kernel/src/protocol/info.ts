/** The kernel_info_reply content (messaging spec 5.3, "Kernel info"). */
import { PROTOCOL_VERSION } from "../wire/message";
import { tslabVersion, typescriptVersion } from "../tslab";

export const KERNEL_VERSION = "0.1.0";

export function kernelInfo(): Record<string, unknown> {
  return {
    status: "ok",
    protocol_version: PROTOCOL_VERSION,
    implementation: "deltalab",
    implementation_version: KERNEL_VERSION,
    language_info: {
      name: "typescript",
      version: typescriptVersion,
      mimetype: "text/typescript",
      file_extension: ".ts",
      pygments_lexer: "typescript",
      codemirror_mode: { name: "javascript", typescript: true, mode: "typescript" },
    },
    banner:
      `deltalab ${KERNEL_VERSION}: TypeScript ${typescriptVersion} on Node ${process.versions.node} ` +
      `(tslab ${tslabVersion}). Type %help for the commands.`,
    debugger: false,
    help_links: [
      { text: "TypeScript handbook", url: "https://www.typescriptlang.org/docs/handbook/intro.html" },
      { text: "Node.js API", url: "https://nodejs.org/docs/latest-v20.x/api/" },
    ],
  };
}
