#!/usr/bin/env node
/**
 * deltalab's command line: `deltalab install [--user | --sys-prefix | --prefix P]` writes the kernelspec;
 * `deltalab kernel <connection_file>` runs the kernel (Jupyter starts it so).
 */
import { install, parseInstallArgs } from "./install";
import { startKernel } from "./kernel";

const USAGE = `usage:
  deltalab install [--user | --sys-prefix | --prefix PREFIX]   install the "deltalab" Jupyter kernelspec
  deltalab kernel CONNECTION_FILE                              run the kernel (Jupyter does this)`;

function main(args: string[]): void {
  const [command, ...rest] = args;
  if (command === "install") {
    const dir = install(parseInstallArgs(rest), __filename);
    console.log(`installed the deltalab kernelspec in ${dir}`);
  } else if (command === "kernel") {
    if (rest.length !== 1) throw new Error(`kernel needs exactly one connection file\n${USAGE}`);
    startKernel(rest[0] ?? "").catch((error: Error) => {
      console.error(`deltalab kernel: ${error.message}`);
      process.exit(1);
    });
  } else if (command === "--help" || command === "-h" || command === "help") {
    console.log(USAGE);
  } else {
    throw new Error(
      `${command === undefined ? "no command given" : `unknown command ${JSON.stringify(command)}`}\n${USAGE}`,
    );
  }
}

try {
  main(process.argv.slice(2));
} catch (error) {
  console.error(`deltalab: ${(error as Error).message}`);
  process.exit(2);
}
