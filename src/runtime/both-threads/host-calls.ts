// Synchronous calls from the wasm thread to the main thread: post a request, Atomics.wait, read the reply with receiveMessageOnPort.
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { HostReply } from '../factors/factor.js';

export interface HostCallRequest {
  factor: string;
  op: string;
  args: unknown[];
}

/** The wasm thread's ends, sent to it in the session message. */
export interface HostCallChannel {
  requests: MessagePort;
  replies: MessagePort;
  /** Int32[0]: 0 while a call is pending, 1 once its reply is posted. */
  signal: SharedArrayBuffer;
}

export type HostCallHandler = (request: HostCallRequest) => Promise<unknown>;

/**
 * Main-thread side. The wasm thread makes one call at a time (it blocks), so requests are served
 * in arrival order and each reply is posted before the signal flips.
 */
export function serveHostCalls(handler: HostCallHandler): { channel: HostCallChannel } {
  const requests = new MessageChannel();
  const replies = new MessageChannel();
  const signal = new SharedArrayBuffer(4);
  const flag = new Int32Array(signal);
  requests.port1.on('message', (request: HostCallRequest) => {
    const answer = (reply: HostReply): void => {
      replies.port1.postMessage(reply);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
    };
    handler(request).then(
      (value) => answer({ ok: true, value }),
      (error: unknown) => answer({ ok: false, error: error instanceof Error ? error.message : String(error) }),
    );
  });
  // The wasm thread may be gone or blocked for long; nothing here should keep the process alive.
  requests.port1.unref();
  return {
    channel: { requests: requests.port2, replies: replies.port2, signal },
  };
}

/** Wasm-thread side: blocks this thread (never the main one) until the reply arrives. */
export function hostCaller(channel: HostCallChannel): (request: HostCallRequest) => HostReply {
  const flag = new Int32Array(channel.signal);
  return (request) => {
    Atomics.store(flag, 0, 0);
    channel.requests.postMessage(request);
    while (Atomics.load(flag, 0) === 0) Atomics.wait(flag, 0, 0);
    const received = receiveMessageOnPort(channel.replies);
    if (!received) return { ok: false, error: `internal error: no reply to ${request.factor}.${request.op}` };
    return received.message as HostReply;
  };
}
