/**
 * The protocol layer (messaging spec 5.3): one handler per message type, busy/idle around every shell and control
 * message, every reply and IOPub message parented to its request. Shell messages are handled one at a time, in
 * order; when a cell fails and its request says stop_on_error, the execute_requests already queued behind it are
 * answered "aborted" — those that arrive later run normally (no time window).
 */
import { bundleOf } from "../execution/display";
import type { ShellChannel } from "../wire/server";
import { reply, type JsonObject, type JupyterMessage } from "../wire/message";
import type { CommRegistry } from "./comms";
import type { History, HistoryRequest } from "./history";
import { kernelInfo } from "./info";
import type { OutputRouter } from "./outputs";
import type { CellRunner } from "./cell-runner";

export interface MessageSink {
  send(channel: ShellChannel, message: JupyterMessage<unknown>): void;
  publish(message: JupyterMessage<unknown>): void;
}

interface Queued {
  channel: ShellChannel;
  message: JupyterMessage;
  aborted: boolean;
}

export interface ProtocolParts {
  sink: MessageSink;
  runner: CellRunner;
  outputs: OutputRouter;
  comms: CommRegistry;
  history: History;
  /** Called after the shutdown_reply went out. */
  shutdown(restart: boolean): void;
  /** Told when the kernel starts handling a message and when it has none left (e.g. to collect garbage). */
  activity?: { busy(): void; idle(): void };
}

export class KernelProtocol {
  private executionCount = 0;
  private readonly shellQueue: Queued[] = [];
  private draining = false;

  constructor(private readonly parts: ProtocolParts) {}

  receive(channel: ShellChannel, message: JupyterMessage): void {
    this.parts.activity?.busy();
    if (channel === "control") {
      void this.handle({ channel, message, aborted: false }).finally(() => {
        if (!this.draining) this.parts.activity?.idle();
      });
      return;
    }
    this.shellQueue.push({ channel, message, aborted: false });
    void this.drain();
  }

  publish(parent: JupyterMessage, msgType: string, content: unknown): void {
    this.parts.sink.publish(reply(parent, msgType, content, []));
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let next = this.shellQueue.shift(); next; next = this.shellQueue.shift()) await this.handle(next);
    } finally {
      this.draining = false;
      this.parts.activity?.idle();
    }
  }

  private async handle({ channel, message, aborted }: Queued): Promise<void> {
    const respond = (msgType: string, content: unknown) =>
      this.parts.sink.send(channel, reply(message, msgType, content));
    this.publish(message, "status", { execution_state: "busy" });
    this.parts.outputs.noteRequest(message);
    try {
      await this.dispatch(message, respond, aborted);
    } catch (error) {
      this.parts.outputs.log(
        `failed to handle ${message.header.msg_type}: ${(error as Error).stack ?? String(error)}`,
      );
    } finally {
      this.publish(message, "status", { execution_state: "idle" });
    }
  }

  private async dispatch(
    message: JupyterMessage,
    respond: (msgType: string, content: unknown) => void,
    aborted: boolean,
  ): Promise<void> {
    const content = message.content;
    const { runner, comms, history } = this.parts;
    switch (message.header.msg_type) {
      case "kernel_info_request":
        return respond("kernel_info_reply", kernelInfo());
      case "execute_request":
        if (aborted) return respond("execute_reply", { status: "aborted", execution_count: null });
        return this.execute(message, respond);
      case "is_complete_request":
        return respond("is_complete_reply", runner.isComplete(String(content.code ?? "")));
      case "complete_request": {
        const code = String(content.code ?? "");
        const completion = runner.complete(code, cursorOf(content, code));
        return respond("complete_reply", { status: "ok", ...completion, metadata: {} });
      }
      case "inspect_request": {
        const code = String(content.code ?? "");
        const data = runner.inspect(code, cursorOf(content, code));
        return respond("inspect_reply", {
          status: "ok",
          found: data !== undefined,
          data: data ?? {},
          metadata: {},
        });
      }
      case "history_request":
        return respond("history_reply", { status: "ok", history: history.query(content as HistoryRequest) });
      case "comm_info_request": {
        const target = typeof content.target_name === "string" ? content.target_name : undefined;
        return respond("comm_info_reply", { status: "ok", comms: comms.info(target) });
      }
      case "comm_open":
        return comms.handleOpen(content);
      case "comm_msg":
        return comms.handleMessage(content);
      case "comm_close":
        return comms.handleClose(content);
      case "interrupt_request":
        runner.interrupt();
        return respond("interrupt_reply", { status: "ok" });
      case "shutdown_request": {
        const restart = content.restart === true;
        respond("shutdown_reply", { status: "ok", restart });
        this.parts.shutdown(restart);
        return;
      }
      default:
        this.parts.outputs.log(
          `ignored a message of unknown type ${JSON.stringify(message.header.msg_type)}`,
        );
    }
  }

  private async execute(
    message: JupyterMessage,
    respond: (msgType: string, content: unknown) => void,
  ): Promise<void> {
    const content = message.content;
    const code = String(content.code ?? "");
    const silent = content.silent === true;
    // As IPython: a blank cell runs nothing, so it takes no execution count and no place in the history.
    const storeHistory = !silent && content.store_history !== false && code.trim() !== "";
    if (storeHistory) this.executionCount += 1;
    const count = this.executionCount;
    const { outputs, runner, history } = this.parts;
    outputs.attach(message);
    if (!silent) this.publish(message, "execute_input", { code, execution_count: count });
    if (storeHistory) history.record(count, code);

    let result = await runner.run(code, count, outputs);
    if (result.status === "ok" && result.hasValue && !silent) {
      try {
        const data = await bundleOf(result.value);
        this.publish(message, "execute_result", { execution_count: count, data, metadata: {} });
        if (storeHistory && typeof data["text/plain"] === "string")
          history.recordOutput(count, data["text/plain"]);
      } catch (error) {
        result = {
          status: "error",
          error: { ename: "DisplayError", evalue: (error as Error).message, traceback: [] },
        };
      }
    }
    if (result.status === "error") {
      const { ename, evalue, traceback } = result.error;
      const error = { ename, evalue, traceback: traceback.length > 0 ? traceback : [`${ename}: ${evalue}`] };
      this.publish(message, "error", error);
      respond("execute_reply", { status: "error", execution_count: count, ...error });
      if (content.stop_on_error !== false) this.abortQueuedExecutions();
      return;
    }
    respond("execute_reply", {
      status: "ok",
      execution_count: count,
      payload: [],
      user_expressions: await this.evaluateUserExpressions(content.user_expressions, count),
    });
  }

  /**
   * user_expressions (messaging spec, "Execute"): each expression is evaluated after the cell, in its namespace,
   * and answered with its display bundle, or with the error it raised.
   */
  private async evaluateUserExpressions(
    expressions: unknown,
    count: number,
  ): Promise<Record<string, unknown>> {
    const results: Record<string, unknown> = {};
    if (expressions === null || typeof expressions !== "object") return results;
    for (const [name, expression] of Object.entries(expressions)) {
      const result = await this.parts.runner.evaluate(String(expression), count);
      if (result.status === "error") {
        results[name] = { status: "error", ...result.error };
      } else {
        const data = result.hasValue ? await bundleOf(result.value) : { "text/plain": "undefined" };
        results[name] = { status: "ok", data, metadata: {} };
      }
    }
    return results;
  }

  private abortQueuedExecutions(): void {
    for (const queued of this.shellQueue) {
      if (queued.message.header.msg_type === "execute_request") queued.aborted = true;
    }
  }
}

function cursorOf(content: JsonObject, code: string): number {
  return typeof content.cursor_pos === "number" ? content.cursor_pos : code.length;
}
