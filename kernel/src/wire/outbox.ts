import type { ZmqSocket } from "../tslab";

/**
 * Sends on one socket. Publisher and router sockets accept a send at once, even while a cell blocks the thread
 * (so a cell's first output and its busy status leave before a long synchronous computation); a send that finds
 * the socket busy waits for the previous one.
 */
export class Outbox {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: ZmqSocket,
    private readonly onError: (error: Error) => void,
  ) {}

  send(frames: (Buffer | string)[]): void {
    const attempt = () => this.socket.send(frames);
    const previous = this.tail;
    this.tail = attempt()
      .catch((error: Error & { code?: string }) =>
        error.code === "EBUSY" ? previous.then(attempt) : Promise.reject(error),
      )
      .catch((error: Error) => this.onError(error));
  }

  /** Resolves once everything sent so far has been handed to ZeroMQ. */
  flushed(): Promise<void> {
    return this.tail;
  }
}
