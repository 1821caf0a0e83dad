/**
 * The control and heartbeat channels, on their own thread so that they answer while a cell blocks the main
 * thread. An `interrupt_request` is answered here and passed to the main thread as a message naming the cell it is
 * for (phase.ts), followed by a ping. A main thread that answers the ping has seen the message, which stops the
 * cell (its interrupt signal: awaits, commands and timers watch it). A main thread that has not answered within
 * BLOCKED_MS is blocked, and the control thread looks at its phase: under vm (a synchronous loop, a command's
 * synchronous run, a timer callback), it sends SIGINT, which vm's breakOnSigint turns into an error there, and again
 * every UNRESPONSIVE_MS while the thread stays blocked (a signal sent while the cell was still compiling finds vm
 * listening later); awaiting an asynchronous cell, the thread is blocked in the cell's code after an `await`, outside
 * vm's reach, and once it has been blocked for UNRESPONSIVE_MS that code is terminated through the inspector
 * (Runtime.terminateExecution), which unwinds only the cell's frames; the pending message then fails the cell. The
 * kernel's own work is never terminated.
 *
 * SIGINT is sent only to a blocked thread because Node handles it badly elsewhere: each time code enters or leaves
 * vm with breakOnSigint, Node removes the process's SIGINT listeners and adds them back, and a signal that arrives
 * then is dropped (one caught but not yet dispatched) or, in the instants when no handler is installed, ends the
 * process. A loop of short timer callbacks enters vm hundreds of times a second; the message reaches it safely.
 * Every other control message is passed to the main thread, whose replies come back here.
 */
import { Session } from "node:inspector";
import { parentPort, workerData } from "node:worker_threads";
import { AWAITING_CELL, readCellSerial, readPhase, UNDER_VM, type PhaseCell } from "../phase";
import { loadZmq } from "../tslab";
import { endpoint, type ConnectionInfo } from "./connection";
import { decode, encode, reply, WireError } from "./message";
import { Outbox } from "./outbox";

export type ToControl =
  | { kind: "send"; frames: (Uint8Array | string)[] }
  | { kind: "close" }
  | { kind: "pong" };
export type FromControl =
  | { kind: "ready" }
  | { kind: "orphaned"; text: string }
  | { kind: "ping" }
  /** An interrupt of the cell with this serial number (phase.ts), sent besides SIGINT. */
  | { kind: "interrupt"; cell: number }
  | { kind: "message"; frames: Uint8Array[] }
  | { kind: "log"; text: string }
  | { kind: "failed"; text: string };

/** How long the main thread has to answer the ping sent with an interrupt before it counts as blocked. */
const BLOCKED_MS = 100;
/** How often the control thread looks again at a main thread that stays blocked. */
const UNRESPONSIVE_MS = 1000;
/** How often the control thread checks that the process that started the kernel is still there. */
const PARENT_POLL_MS = 1000;
/** How long an orphaned kernel's main thread has to exit before the control thread ends the process. */
const ORPHAN_EXIT_MS = 1000;

export interface ControlWorkerData {
  connection: ConnectionInfo;
  phase: PhaseCell;
  /** The process that started the kernel (JPY_PARENT_PID, as Jupyter sets it), or 0 when not known. */
  parentPid: number;
}

/**
 * Ends the kernel when the process that started it is gone (a Jupyter server killed with SIGKILL cannot shut its
 * kernels down): as ipykernel's parent poller does, the kernel is orphaned when its parent process changes from
 * the one Jupyter named, or, when none was named, when it has been handed to init. Watched from this thread, so a
 * cell that blocks the main thread does not keep an orphan alive; the main thread is asked to exit first.
 */
function watchParent(parentPid: number, post: (message: FromControl) => void): void {
  const expected = parentPid > 0 && parentPid === process.ppid ? parentPid : 0;
  const timer = setInterval(() => {
    const now = process.ppid;
    const orphaned = expected > 0 ? now !== expected : now === 1;
    if (!orphaned) return;
    clearInterval(timer);
    post({
      kind: "orphaned",
      text: `the process that started this kernel (pid ${expected || "unknown"}) is gone; the kernel exits`,
    });
    setTimeout(() => process.kill(process.pid, "SIGKILL"), ORPHAN_EXIT_MS).unref();
  }, PARENT_POLL_MS);
  timer.unref();
}

async function serve(
  port: NonNullable<typeof parentPort>,
  { connection, phase, parentPid }: ControlWorkerData,
): Promise<void> {
  const post = (message: FromControl) => port.postMessage(message);
  watchParent(parentPid, post);
  const zmq = loadZmq();
  const control = new zmq.Router();
  const heartbeat = new zmq.Reply();
  Outbox.prepare(control);
  Outbox.prepare(heartbeat);
  await control.bind(endpoint(connection, "control"));
  await heartbeat.bind(endpoint(connection, "hb"));
  const outbox = new Outbox(control, (error) =>
    post({ kind: "log", text: `control send failed: ${error.message}` }),
  );
  let answered = true;
  /** Looks at a main thread that has not answered its ping; `blockedMs`: for how long, at least. */
  const checkStopped = (blockedMs: number) => {
    if (answered) return;
    const now = readPhase(phase);
    if (now === UNDER_VM) {
      process.kill(process.pid, "SIGINT");
    } else if (now === AWAITING_CELL && blockedMs >= UNRESPONSIVE_MS) {
      post({ kind: "log", text: "the cell did not stop on an interrupt; terminating its JavaScript" });
      const session = new Session();
      session.connectToMainThread();
      session.post("Runtime.terminateExecution", () => session.disconnect());
    }
    setTimeout(() => checkStopped(blockedMs + UNRESPONSIVE_MS), UNRESPONSIVE_MS);
  };
  const interruptMainThread = () => {
    post({ kind: "interrupt", cell: readCellSerial(phase) });
    answered = false;
    post({ kind: "ping" });
    setTimeout(() => checkStopped(BLOCKED_MS), BLOCKED_MS);
  };
  port.on("message", (message: ToControl) => {
    if (message.kind === "pong") {
      answered = true;
    } else if (message.kind === "send") {
      outbox.send(message.frames.map((frame) => (typeof frame === "string" ? frame : Buffer.from(frame))));
    } else {
      void outbox.flushed().then(() => {
        control.close();
        heartbeat.close();
        port.close();
      });
    }
  });
  void (async () => {
    for await (const frames of heartbeat) await heartbeat.send(frames);
  })().catch(() => undefined);
  post({ kind: "ready" });
  for await (const frames of control) {
    let message;
    try {
      message = decode(connection.key, frames);
    } catch (error) {
      const why =
        error instanceof WireError ? error.message : `unreadable message (${(error as Error).message})`;
      post({ kind: "log", text: `dropped a control message: ${why}` });
      continue;
    }
    if (message.header.msg_type === "interrupt_request") {
      outbox.send(encode(connection.key, reply(message, "interrupt_reply", { status: "ok" })));
      interruptMainThread();
    } else {
      post({ kind: "message", frames });
    }
  }
}

if (parentPort !== null) {
  const port = parentPort;
  serve(port, workerData as ControlWorkerData).catch((error: Error) =>
    port.postMessage({ kind: "failed", text: error.message }),
  );
}
