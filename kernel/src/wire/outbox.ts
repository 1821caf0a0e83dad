import type { ZmqSocket } from "../tslab";

/** Sends on one socket in order; zeromq allows only one send in flight per socket. */
export class Outbox {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: ZmqSocket,
    private readonly onError: (error: Error) => void,
  ) {}

  send(frames: (Buffer | string)[]): void {
    this.tail = this.tail.then(() => this.socket.send(frames)).catch((error: Error) => this.onError(error));
  }

  /** Resolves once everything queued so far has been handed to ZeroMQ. */
  flushed(): Promise<void> {
    return this.tail;
  }
}
