// The hook appd calls at lifecycle moments; a systemd sd_notify implementation can be plugged in, the default does nothing.

export interface Notifier {
  /** Listening and serving (systemd: READY=1). */
  ready(): void;
  /** A one-line status (systemd: STATUS=…). */
  status(text: string): void;
  /** Shutdown has begun (systemd: STOPPING=1). */
  stopping(): void;
}

export const noopNotifier: Notifier = {
  ready() {},
  status() {},
  stopping() {},
};
