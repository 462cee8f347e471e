// Factors that drive desktop helpers: notifications (notify-send) and clipboard (wl-copy / wl-paste), present or missing.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildC, hasClang } from './helpers/build.js';
import { homeForSuite, installModule, runRuntime } from './helpers/harness.js';

let fakeBin: string;
const home = homeForSuite((home) => {
  // Stand-ins for the desktop helpers: they record how they were called.
  fakeBin = join(home.root, 'bin');
  mkdirSync(fakeBin);
  const log = join(home.root, 'helpers.log');
  const script = (body: string): string => `#!/bin/sh\n${body}\n`;
  writeFileSync(join(fakeBin, 'notify-send'), script(`printf 'notify-send' >> ${log}; for a in "$@"; do printf ' [%s]' "$a" >> ${log}; done; echo >> ${log}`));
  writeFileSync(join(fakeBin, 'wl-copy'), script(`printf 'wl-copy %s: ' "$*" >> ${log}; cat >> ${log}; echo >> ${log}`));
  writeFileSync(join(fakeBin, 'wl-paste'), script(`printf 'from the clipboard'`));
  for (const name of ['notify-send', 'wl-copy', 'wl-paste']) chmodSync(join(fakeBin, name), 0o755);
});

const WORLD = 'import notify; import notifications; import clipboard;';

describe.skipIf(!hasClang)('notifications and clipboard', () => {
  it('call the helpers when granted and present', async () => {
    const id = installModule(home, 'org.test.desktop', await buildC('desktop', { world: WORLD }), {
      capabilities: ['sys:notifications', 'sys:clipboard:read', 'sys:clipboard:write'],
    });
    const result = await runRuntime(home, [id, '1'], { env: { PATH: `${fakeBin}:/usr/bin:/bin` } });
    expect(result.stdout).toMatch(/^NOTIFY ok $/m);
    expect(result.stdout).toMatch(/^CLIP-WRITE ok $/m);
    expect(result.stdout).toMatch(/^CLIP-READ ok from the clipboard$/m);
    const log = readFileSync(join(home.root, 'helpers.log'), 'utf8');
    expect(log).toContain('notify-send [--app-name=org.test.desktop] [--icon=dialog-information] [--] [Title] [Body text]');
    expect(log).toContain('wl-copy --type text/plain: copied text');
  });

  it('return error results when the helpers are missing', async () => {
    const id = installModule(home, 'org.test.desktopmissing', await buildC('desktop', { world: WORLD }), {
      capabilities: ['sys:notifications', 'sys:clipboard:read', 'sys:clipboard:write'],
    });
    const result = await runRuntime(home, [id, '1'], { env: { PATH: join(home.root, 'empty-bin') } });
    expect(result.stdout).toMatch(/^NOTIFY err notify-send is not installed/m);
    expect(result.stdout).toMatch(/^CLIP-WRITE err wl-copy is not installed/m);
    expect(result.stdout).toMatch(/^CLIP-READ err wl-paste is not installed/m);
    expect(result.code).toBe(0);
  });

  it('a write-only clipboard grant cannot read', async () => {
    const id = installModule(home, 'org.test.desktopwo', await buildC('desktop', { world: WORLD }), { capabilities: ['sys:notifications', 'sys:clipboard:write'] });
    const result = await runRuntime(home, [id, '1'], { env: { PATH: `${fakeBin}:/usr/bin:/bin` } });
    expect(result.stdout).toMatch(/^CLIP-WRITE ok $/m);
    expect(result.stdout).toMatch(/^CLIP-READ err reading the clipboard needs the sys:clipboard:read capability$/m);
  });

  it('without the grants the app is refused at load', async () => {
    const id = installModule(home, 'org.test.desktopnone', await buildC('desktop', { world: WORLD }));
    const result = await runRuntime(home, [id, '1']);
    expect(result.code).toBe(125);
    expect(result.stderr).toMatch(/weft:app\/notifications.*not granted.*sys:notifications/);
  });
});
