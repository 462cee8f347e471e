// Factor weft:app/clipboard (sys:clipboard:read / sys:clipboard:write): the Wayland clipboard through wl-paste and wl-copy.
import { defineFactor, err, ok, type WitResult } from './factor.js';
import { runHelper } from './spawn-helper.js';

interface ClipboardConfig {
  read: boolean;
  write: boolean;
}

const MAX_CLIPBOARD_BYTES = 16 * 1024 * 1024;

export const clipboardFactor = defineFactor<ClipboardConfig>({
  name: 'clipboard',
  grant(grants) {
    const read = grants.some((g) => g.kind === 'clipboard' && g.access === 'read');
    const write = grants.some((g) => g.kind === 'clipboard' && g.access === 'write');
    return read || write ? { read, write } : null;
  },
  host: (config) => ({
    async call(op, args) {
      if (op === 'read' && config.read) {
        const { stdout } = await runHelper('wl-paste', ['--no-newline', '--type', 'text/plain'], {
          timeoutMs: 5_000,
          maxOutputBytes: MAX_CLIPBOARD_BYTES,
          missing: 'wl-paste is not installed, so the clipboard cannot be read',
        });
        return stdout.toString('utf8');
      }
      if (op === 'write' && config.write) {
        await runHelper('wl-copy', ['--type', 'text/plain'], {
          input: args[0] as string,
          timeoutMs: 5_000,
          maxOutputBytes: 64 * 1024,
          missing: 'wl-copy is not installed, so the clipboard cannot be written',
        });
        return undefined;
      }
      throw new Error(`clipboard: operation ${op} is not granted`);
    },
  }),
  guest: (config, context) => ({
    'weft:app/clipboard': {
      read(): WitResult<string> {
        if (!config.read) return err('reading the clipboard needs the sys:clipboard:read capability');
        const reply = context.call('clipboard', 'read', []);
        return reply.ok ? ok(reply.value as string) : err(reply.error);
      },
      write(text: string): WitResult<undefined> {
        if (!config.write) return err('writing the clipboard needs the sys:clipboard:write capability');
        if (Buffer.byteLength(text) > MAX_CLIPBOARD_BYTES) return err(`the text is over the ${MAX_CLIPBOARD_BYTES}-byte clipboard limit`);
        const reply = context.call('clipboard', 'write', [text]);
        return reply.ok ? ok(undefined) : err(reply.error);
      },
    },
  }),
});
