/**
 * The outbox against the real zeromq binding (the one tslab ships): a publisher and a subscriber on loopback.
 * zeromq.js defers every 512th synchronous send and throws EBUSY for a send started while one is deferred, which
 * is what killed the kernel at about its 125th cell (four IOPub messages a cell).
 */
import { afterEach, describe, expect, it } from "vitest";
import { loadZmq, type ZmqSocket } from "../../../kernel/src/tslab";
import { Outbox } from "../../../kernel/src/wire/outbox";

interface Subscriber extends ZmqSocket {
  connect(address: string): void;
  subscribe(): void;
  receive(): Promise<Buffer[]>;
}

const zmq = loadZmq() as ReturnType<typeof loadZmq> & { Subscriber: new () => Subscriber };
const opened: ZmqSocket[] = [];

afterEach(() => {
  for (const socket of opened.splice(0)) socket.close();
});

async function pair(): Promise<{ publisher: ZmqSocket; subscriber: Subscriber }> {
  const publisher = new zmq.Publisher();
  const subscriber = new zmq.Subscriber();
  opened.push(publisher, subscriber);
  await publisher.bind("tcp://127.0.0.1:*");
  const address = (publisher as ZmqSocket & { lastEndpoint: string }).lastEndpoint;
  subscriber.connect(address);
  subscriber.subscribe();
  // A subscription takes a moment to reach the publisher (ZeroMQ's slow joiner): probe until one arrives.
  let joined = false;
  const first = subscriber.receive().then(() => (joined = true));
  while (!joined) {
    await publisher.send(["probe"]);
    await Promise.race([first, new Promise((resolve) => setTimeout(resolve, 20))]);
  }
  return { publisher, subscriber };
}

async function receiveAll(subscriber: Subscriber, count: number): Promise<string[]> {
  const texts: string[] = [];
  while (texts.length < count) {
    const [frame] = await subscriber.receive();
    const text = String(frame);
    if (text !== "probe") texts.push(text);
  }
  return texts;
}

describe("Outbox", () => {
  it("the binding itself throws EBUSY for a send started while its 513th synchronous send is deferred", async () => {
    const { publisher } = await pair();
    let busy: unknown;
    try {
      // The deferred send is dropped when the socket closes: its rejection is expected.
      for (let i = 0; i < 2000; i++) publisher.send([`m${i}`]).catch(() => undefined);
    } catch (error) {
      busy = error;
    }
    expect((busy as { code?: string } | undefined)?.code).toBe("EBUSY");
  });

  it("sends thousands of messages given back to back, in order, none lost, without throwing", async () => {
    const { publisher, subscriber } = await pair();
    Outbox.prepare(publisher);
    const errors: Error[] = [];
    const outbox = new Outbox(publisher, (error) => errors.push(error));
    const count = 5000;
    const received = receiveAll(subscriber, count);
    for (let i = 0; i < count; i++) outbox.send([`m${i}`]);
    await outbox.flushed();
    expect(await received).toEqual(Array.from({ length: count }, (_, i) => `m${i}`));
    expect(errors).toEqual([]);
  });

  it("with the binding's default send timeout, queues behind a deferred send and still keeps order", async () => {
    const { publisher, subscriber } = await pair();
    publisher.sendHighWaterMark = 0;
    const errors: Error[] = [];
    const outbox = new Outbox(publisher, (error) => errors.push(error));
    const count = 3000;
    const received = receiveAll(subscriber, count);
    for (let i = 0; i < count; i++) outbox.send([`m${i}`]);
    await outbox.flushed();
    expect(await received).toEqual(Array.from({ length: count }, (_, i) => `m${i}`));
    expect(errors).toEqual([]);
  });

  it("logs a send that fails and goes on with the next", async () => {
    const { publisher, subscriber } = await pair();
    Outbox.prepare(publisher);
    const errors: Error[] = [];
    const outbox = new Outbox(publisher, (error) => errors.push(error));
    const received = receiveAll(subscriber, 2);
    outbox.send(["first"]);
    // The binding refuses a frame it cannot convert (a TypeError thrown by send itself).
    outbox.send([Symbol("not a frame") as unknown as string]);
    outbox.send(["last"]);
    await outbox.flushed();
    expect(await received).toEqual(["first", "last"]);
    expect(errors).toHaveLength(1);
  });
});
