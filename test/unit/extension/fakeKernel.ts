import type { CommLike, CommMessage, KernelLike } from "../../../extension/src/kernelLink";

interface CommRecord {
  target: string;
  comm: CommLike;
  sent: unknown[];
  opened: boolean;
  closed: boolean;
}

/** A kernel connection that records the comms opened on it and lets a test answer as the kernel would. */
export function fakeKernel() {
  const comms: CommRecord[] = [];
  const kernel: KernelLike = {
    createComm(target: string): CommLike {
      const sent: unknown[] = [];
      const state = { opened: false, closed: false };
      const comm: CommLike = {
        commId: `comm-${comms.length + 1}`,
        open: () => {
          state.opened = true;
        },
        send: (data: unknown) => {
          sent.push(data);
        },
        close: () => {
          state.closed = true;
        },
        onMsg: () => undefined,
        onClose: () => undefined,
      };
      comms.push({
        target,
        comm,
        sent,
        get opened() {
          return state.opened;
        },
        get closed() {
          return state.closed;
        },
      });
      return comm;
    },
  };
  const reply = (data: unknown) => comms[comms.length - 1].comm.onMsg({ content: { data } } as CommMessage);
  return { kernel, comms, reply };
}
