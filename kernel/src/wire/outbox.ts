import type { ZmqSocket } from "../tslab";

/** How long a closing socket keeps trying to deliver what it still holds. */
const CLOSE_LINGER_MS = 500;

export type Frames = (Buffer | string)[];

/**
 * Sends on one socket, one message at a time, in order, and never lets a send error escape.
 *
 * Why a send can never be in flight while another starts: zeromq.js 6 keeps at most one send per socket, and a
 * second `send()` while one is pending throws EBUSY synchronously (an exception that, thrown from inside one of
 * its native callbacks, ends the process). A send is pending only when zeromq.js defers it: with the default send
 * timeout it does so on every 512th synchronous send (to let the event loop breathe) and whenever the socket is
 * not writable. The kernel's sockets get a send timeout of 0 (`prepare`), under which zeromq.js always takes its
 * synchronous path: the message is handed to ZeroMQ's queue before `send()` returns, so a cell that blocks the
 * thread right after printing has already sent its output.
 *
 * Publisher and router sockets never block: at their high-water mark (1,000 messages by default) ZeroMQ drops
 * what does not fit, and a burst of a cell's output outruns the I/O thread easily. `prepare` lifts the mark, so a
 * message is dropped only for a peer that has gone (ZeroMQ then removes its queue).
 *
 * Should the binding still report a send in progress (EBUSY), the message waits in a queue that drains strictly
 * one send after another, each started only when the previous one has settled; so do all messages behind it.
 * Any other error is logged and the kernel goes on.
 */
export class Outbox {
  private readonly waiting: Frames[] = [];
  private draining: Promise<void> | undefined;

  constructor(
    private readonly socket: ZmqSocket,
    private readonly onError: (error: Error) => void,
  ) {}

  /**
   * Puts a socket in the mode the outbox relies on: sends never deferred nor dropped at a high-water mark (see the
   * class comment), and messages still queued when the socket closes (a shutdown_reply, the last idle status) get
   * a moment to leave.
   */
  static prepare(socket: ZmqSocket): void {
    socket.sendTimeout = 0;
    socket.sendHighWaterMark = 0;
    socket.linger = CLOSE_LINGER_MS;
  }

  send(frames: Frames): void {
    if (this.draining) {
      this.waiting.push(frames);
      return;
    }
    const started = this.start(frames);
    if (started === "busy") {
      this.waiting.push(frames);
      this.draining = this.drain();
    }
  }

  /** Resolves once every message given so far has been handed to ZeroMQ (or its failure logged). */
  async flushed(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Starts one send: "busy" when the binding refused it because a send is still in progress. */
  private start(frames: Frames): Promise<void> | "busy" {
    try {
      return this.socket.send(frames).catch((error: Error) => this.onError(error));
    } catch (error) {
      if ((error as { code?: string }).code === "EBUSY") return "busy";
      this.onError(error as Error);
      return Promise.resolve();
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const started = this.start(this.waiting[0] ?? []);
        if (started === "busy") {
          // The send in progress was not started here: give the binding a turn of the event loop to finish it.
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
        this.waiting.shift();
        await started;
      }
    } finally {
      this.draining = undefined;
    }
  }
}
