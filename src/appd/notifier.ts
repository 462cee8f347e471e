// The hook appd calls at lifecycle moments; a systemd sd_notify implementation can be plugged in, the default does nothing.

/**
 * Methods may return a promise (an sd_notify implementation waits for delivery); appd does not
 * wait for them and logs a rejection instead of failing.
 */
export interface Notifier {
  /** Listening and serving (systemd: READY=1). */
  ready(): void | Promise<void>;
  /** A one-line status (systemd: STATUS=…). */
  status(text: string): void | Promise<void>;
  /** Shutdown has begun (systemd: STOPPING=1). */
  stopping(): void | Promise<void>;
}

export const noopNotifier: Notifier = {
  ready() {},
  status() {},
  stopping() {},
};

/** Calls one notifier method without letting it throw or reject into appd. */
export function notifySafely(call: () => void | Promise<void>, onError: (error: Error) => void): void {
  try {
    void Promise.resolve(call()).catch((error: unknown) => onError(error instanceof Error ? error : new Error(String(error))));
  } catch (error) {
    onError(error instanceof Error ? error : new Error(String(error)));
  }
}
