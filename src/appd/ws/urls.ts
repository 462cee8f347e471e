// The addresses of weft's pages on the WebSocket endpoint's port: the dashboard and each session's UI origin.

/** Session N's UI origin: a name of its own under localhost (browsers resolve *.localhost to loopback), so pages cannot script each other. */
export function appUiOrigin(port: number, sessionId: number): string {
  return `http://s${sessionId}.localhost:${port}`;
}

/** The dashboard with its credential in the fragment: fragments are never sent in requests, so the token stays out of logs. */
export function dashboardUrl(port: number, token: string): string {
  return `http://localhost:${port}/#token=${token}`;
}
