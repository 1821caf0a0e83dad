/**
 * Starts the kernel: the four layers joined — wire (ZeroMQ), protocol (messages), runner (commands and cells)
 * and execution (the executor). Nothing a cell does brings the process down: uncaught exceptions and unhandled
 * rejections are reported to the cell that is running, SIGINT interrupts it, `process.exit` is refused. The
 * kernel ends on a shutdown request, or when the process that started it is gone.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { bindCellContext } from "./execution/cell-context";
import { CellExecutor } from "./execution/executor";
import { CellModules, notebookDir } from "./execution/modules";
import { installTypeResolution } from "./execution/resolution";
import { thrownError } from "./execution/errors";
import { IdleCollector } from "./execution/idle-gc";
import { refuseProcessExit } from "./execution/process-exit";
import { CommRegistry } from "./protocol/comms";
import { History } from "./protocol/history";
import { KernelProtocol } from "./protocol/kernel-protocol";
import { OutputRouter } from "./protocol/outputs";
import { createPhaseCell } from "./phase";
import { DeltalabRunner } from "./runner";
import { DELTALAB_COMM_TARGET } from "@deltalab/core/payloads";
import type * as Commands from "./commands";
import type { CommandRegistry } from "./commands/registry";
import { surfaceCommTarget } from "./surface-comm";
import { readConnectionFile } from "./wire/connection";
import type { JupyterMessage } from "./wire/message";
import { WireServer } from "./wire/server";

/** Absolute paths of the declarations (without extension) the builtin modules resolve to. */
function declarationTargets(): Record<string, string> {
  const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));
  return {
    deltalab: join(__dirname, "deltalab"),
    "@deltalab/core": join(packageDir("@deltalab/core"), "dist", "index"),
    "@deltalab/shaders": join(packageDir("@deltalab/shaders"), "dist", "index"),
  };
}

/** How long the kernel waits, idle, before it makes the TypeScript compiler. */
const WARM_UP_AFTER_IDLE_MS = 300;

export async function startKernel(connectionFile: string): Promise<void> {
  const connection = readConnectionFile(connectionFile);
  // WebGPU through Mesa on machines without a GPU needs a surfaceless EGL (FACTS.md); a GPU's backend ignores it.
  process.env.EGL_PLATFORM ??= "surfaceless";
  const cwd = notebookDir();
  installTypeResolution(cwd, declarationTargets());
  // Loaded on first import, so a cell that uses neither core nor shaders does not pay for them.
  const load = createRequire(__filename);
  const modules = new CellModules(cwd, {
    deltalab: () => load("./deltalab"),
    "@deltalab/core": () => load("@deltalab/core"),
    "@deltalab/shaders": () => load("@deltalab/shaders"),
  });
  const exitProcess = refuseProcessExit();
  const phase = createPhaseCell();
  const executor = new CellExecutor(modules, phase);
  // The wire starts last, once everything that handles its messages exists.
  const started: { wire?: WireServer } = {};
  const outputs: OutputRouter = new OutputRouter((parent, msgType, content) =>
    protocol.publish(parent, msgType, content),
  );
  bindCellContext({
    outputs,
    signal: () => executor.signal,
    runInterruptibly: (work) => executor.runInterruptibly(work),
  });
  const comms = new CommRegistry((msgType, content) => outputs.publishComm(msgType, content));
  // The commands load the whole engine (core, shaders, mathjs): loaded by the first cell or view that needs them.
  let commands:
    | { registry: CommandRegistry; surfaces: Commands.SurfaceSessions; steps: Commands.StepSessions }
    | undefined;
  const loadCommands = () => {
    if (!commands) {
      const module: typeof Commands = load("./commands");
      const surfaces = new module.SurfaceSessions();
      const steps = new module.StepSessions();
      commands = { registry: module.createCommandRegistry(surfaces, steps), surfaces, steps };
    }
    return commands;
  };
  const runner = new DeltalabRunner(executor, () => loadCommands().registry);
  comms.register(
    DELTALAB_COMM_TARGET,
    surfaceCommTarget(
      (...request) => loadCommands().surfaces.runner(...request),
      (text) => outputs.log(text),
      (session, edits, apply) => loadCommands().steps.recompute(session, edits, apply),
    ),
  );
  const collector = new IdleCollector();
  // The compiler is made once the kernel has been idle for a moment after its first requests (kernel_info), not
  // before: Jupyter sees the kernel ready sooner, and a first cell typed meanwhile finds the compiler made. A
  // request that arrives first (a notebook run at once) makes it itself; waiting for quiet keeps the making from
  // holding up an interrupt sent right after a cell.
  let warmUp: NodeJS.Timeout | undefined;
  const scheduleWarmUp = () => {
    warmUp = setTimeout(() => {
      try {
        executor.warmUp();
      } catch (error) {
        outputs.log(`the compiler could not be prepared: ${(error as Error).message}`);
      }
    }, WARM_UP_AFTER_IDLE_MS);
    warmUp.unref();
  };
  const protocol: KernelProtocol = new KernelProtocol({
    sink: {
      send: (channel, message) => started.wire?.send(channel, message),
      publish: (message) => started.wire?.publish(message),
    },
    runner,
    outputs,
    comms,
    history: new History(),
    shutdown: () => endKernel(),
    activity: {
      busy: () => {
        collector.busy();
        clearTimeout(warmUp);
      },
      idle: () => {
        collector.idle();
        if (!executor.warm) scheduleWarmUp();
      },
    },
  });
  /** Ends the process after closing the sockets, so that what was sent last (a shutdown_reply) goes out. */
  const endKernel = () => {
    runner.close();
    void (started.wire?.close() ?? Promise.resolve()).finally(() => exitProcess(0));
  };
  process.on("SIGINT", () => runner.interrupt());
  process.on("uncaughtException", (error) => reportStray(outputs, "uncaught exception", error));
  process.on("unhandledRejection", (reason) => reportStray(outputs, "unhandled promise rejection", reason));
  outputs.captureProcessStreams();
  try {
    started.wire = await WireServer.start(
      connection,
      {
        receive: (channel, message: JupyterMessage) => protocol.receive(channel, message),
        log: (text) => outputs.log(text),
        orphaned: () => endKernel(),
        interrupt: (cell) => runner.interruptCell(cell),
      },
      phase,
    );
  } catch (error) {
    outputs.log(`deltalab kernel: ${(error as Error).message}`);
    exitProcess(1);
  }
}

function reportStray(outputs: OutputRouter, what: string, thrown: unknown): void {
  const error = thrownError(thrown);
  outputs.stream("stderr", `${what}: ${error.traceback.join("\n")}\n`);
}
