// The WebSocket credential: 256 random bits per appd start in a 0600 file, and the per-session tokens app UIs get, derived from it.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** Where the credential lives in the 0700 runtime dir; weftctl and weft's pages read it from here. */
export function credentialPath(stateDir: string): string {
  return join(stateDir, 'appd.wstoken');
}

/** Where the bound port is written (decimal digits, no newline), as WEFT does. */
export function wsPortPath(stateDir: string): string {
  return join(stateDir, 'appd.wsport');
}

/** What a presented token grants: everything (dashboard / shell), or one session's app UI. */
export type Grant = { role: 'full' } | { role: 'app-ui'; sessionId: number };

const APP_UI_TOKEN = /^s([1-9][0-9]{0,15})\.([0-9a-f]{64})$/;

export class Credential {
  private constructor(private readonly secret: Buffer) {}

  /** A fresh secret, written with O_EXCL and mode 0600 so no other user ever sees it. */
  static async create(stateDir: string): Promise<Credential> {
    const secret = randomBytes(32);
    const path = credentialPath(stateDir);
    await unlink(path).catch(() => undefined);
    const file = await open(path, 'wx', 0o600);
    try {
      await file.writeFile(secret.toString('hex'));
    } finally {
      await file.close();
    }
    return new Credential(secret);
  }

  /** The dashboard's token: the secret itself, as hex (what the file holds). */
  get dashboardToken(): string {
    return this.secret.toString('hex');
  }

  /** An app UI's token for one session: `s<N>.<HMAC(secret, "session:N")>`, useless for any other session. */
  sessionToken(sessionId: number): string {
    return sessionTokenFor(this.secret, sessionId);
  }

  /** What `token` grants, or null for anything that is not a valid token of this daemon start. */
  check(token: string): Grant | null {
    if (equal(token, this.dashboardToken)) return { role: 'full' };
    const match = APP_UI_TOKEN.exec(token);
    if (!match) return null;
    const sessionId = Number(match[1]);
    return Number.isSafeInteger(sessionId) && equal(token, this.sessionToken(sessionId)) ? { role: 'app-ui', sessionId } : null;
  }
}

/** The one definition of an app UI's token (tests derive it from the credential file with this). */
export function sessionTokenFor(secret: Buffer, sessionId: number): string {
  return `s${sessionId}.${createHmac('sha256', secret).update(`session:${sessionId}`).digest('hex')}`;
}

function equal(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.byteLength === right.byteLength && timingSafeEqual(left, right);
}
