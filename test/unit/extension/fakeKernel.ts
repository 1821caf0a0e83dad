import type { CommLike, CommMessage, KernelLike } from "../../../extension/src/kernelLink";

/** A kernel connection that records the comms opened on it and lets a test answer as the kernel would. */
export function fakeKernel() {
  const comms: { target: string; comm: CommLike; sent: unknown[]; opened: boolean; closed: boolean }[] = [];
  const kernel: KernelLike = {
    createComm(target: string): CommLike {
      const record = {
        target,
        sent: [] as unknown[],
        opened: false,
        closed: false,
        comm: undefined as never,
      };
      const comm: CommLike = {
        commId: `comm-${comms.length + 1}`,
        open: () => {
          record.opened = true;
        },
        send: (data: unknown) => {
          record.sent.push(data);
        },
        close: () => {
          record.closed = true;
        },
        onMsg: () => undefined,
        onClose: () => undefined,
      };
      record.comm = comm;
      comms.push(record);
      return comm;
    },
  };
  const reply = (data: unknown) => comms[comms.length - 1].comm.onMsg({ content: { data } } as CommMessage);
  return { kernel, comms, reply };
}
