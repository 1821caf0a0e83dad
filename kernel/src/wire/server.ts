/**
 * The wire layer: ZeroMQ sockets, framing and signatures. Shell, IOPub and stdin live on the main thread;
 * control and heartbeat on a worker thread (see control-worker.ts). It knows nothing of message types beyond
 * handing each verified message to the protocol layer.
 */
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { loadZmq, type ZmqSocket } from "../tslab";
import { endpoint, type ConnectionInfo } from "./connection";
import type { PhaseCell } from "../phase";
import type { ControlWorkerData, FromControl, ToControl } from "./control-worker";
import { decode, encode, WireError, type JupyterMessage } from "./message";
import { Outbox } from "./outbox";

export type ShellChannel = "shell" | "control";

export interface WireHandlers {
  /** A verified message from the shell or control channel. */
  receive(channel: ShellChannel, message: JupyterMessage): void;
  /** Something worth a line in the kernel's log (Jupyter shows the kernel's stderr in its own log). */
  log(text: string): void;
  /** The process that started the kernel is gone: the kernel should exit now. */
  orphaned(): void;
  /** An interrupt_request for the cell with this serial number (phase.ts), also signalled by SIGINT. */
  interrupt(cell: number): void;
}

export class WireServer {
  private constructor(
    private readonly connection: ConnectionInfo,
    private readonly sockets: ZmqSocket[],
    private readonly shell: Outbox,
    private readonly iopub: Outbox,
    private readonly control: Worker,
  ) {}

  /** `phase` tells the control thread whether a cell runs under vm (see phase.ts). */
  static async start(
    connection: ConnectionInfo,
    handlers: WireHandlers,
    phase: PhaseCell,
  ): Promise<WireServer> {
    const zmq = loadZmq();
    const shell = new zmq.Router();
    const iopub = new zmq.Publisher();
    const stdin = new zmq.Router();
    const sockets = [shell, iopub, stdin];
    for (const socket of sockets) Outbox.prepare(socket);
    await Promise.all([
      shell.bind(endpoint(connection, "shell")),
      iopub.bind(endpoint(connection, "iopub")),
      stdin.bind(endpoint(connection, "stdin")),
    ]);
    const parentPid = Number(process.env.JPY_PARENT_PID ?? 0) || 0;
    const control = await startControlWorker({ connection, phase, parentPid }, handlers);
    const logSendError = (error: Error) => handlers.log(`send failed: ${error.message}`);
    const server = new WireServer(
      connection,
      sockets,
      new Outbox(shell, logSendError),
      new Outbox(iopub, logSendError),
      control,
    );
    void (async () => {
      for await (const frames of shell) {
        const message = server.decodeOrLog("shell", frames, handlers);
        if (message) handlers.receive("shell", message);
      }
    })().catch((error: Error) => handlers.log(`shell channel closed: ${error.message}`));
    return server;
  }

  decodeOrLog(channel: ShellChannel, frames: Buffer[], handlers: WireHandlers): JupyterMessage | undefined {
    try {
      return decode(this.connection.key, frames);
    } catch (error) {
      const why =
        error instanceof WireError ? error.message : `unreadable message (${(error as Error).message})`;
      handlers.log(`dropped a ${channel} message: ${why}`);
      return undefined;
    }
  }

  /** Sends a reply on the channel its request came from. */
  send(channel: ShellChannel, message: JupyterMessage<unknown>): void {
    const frames = encode(this.connection.key, message);
    if (channel === "shell") {
      this.shell.send(frames);
    } else {
      const toControl: ToControl = { kind: "send", frames };
      this.control.postMessage(toControl);
    }
  }

  /** Publishes on IOPub. */
  publish(message: JupyterMessage<unknown>): void {
    this.iopub.send(encode(this.connection.key, { ...message, identities: [] }));
  }

  async close(): Promise<void> {
    await Promise.all([this.shell.flushed(), this.iopub.flushed()]);
    const closing = new Promise<void>((resolve) => {
      this.control.once("exit", () => resolve());
      setTimeout(resolve, 1000).unref();
    });
    const toControl: ToControl = { kind: "close" };
    this.control.postMessage(toControl);
    await closing;
    for (const socket of this.sockets) socket.close();
  }
}

function startControlWorker(data: ControlWorkerData, handlers: WireHandlers): Promise<Worker> {
  const { connection } = data;
  const worker = new Worker(join(__dirname, "control-worker.js"), { workerData: data });
  return new Promise((resolve, reject) => {
    worker.on("message", (message: FromControl) => {
      if (message.kind === "ready") {
        resolve(worker);
      } else if (message.kind === "failed") {
        reject(new Error(`the control channel could not start: ${message.text}`));
      } else if (message.kind === "ping") {
        const pong: ToControl = { kind: "pong" };
        worker.postMessage(pong);
      } else if (message.kind === "log") {
        handlers.log(message.text);
      } else if (message.kind === "interrupt") {
        handlers.interrupt(message.cell);
      } else if (message.kind === "orphaned") {
        handlers.log(message.text);
        handlers.orphaned();
      } else {
        const frames = message.frames.map((frame) => Buffer.from(frame));
        try {
          handlers.receive("control", decode(connection.key, frames));
        } catch (error) {
          handlers.log(`dropped a control message: ${(error as Error).message}`);
        }
      }
    });
    worker.on("error", (error) => handlers.log(`control thread failed: ${error.message}`));
  });
}
