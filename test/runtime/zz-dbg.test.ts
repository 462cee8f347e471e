import { it } from 'vitest';
import { buildC } from './helpers/build.js';
import { installModule, makeHome, runRuntime } from './helpers/harness.js';
it('dbg', async () => {
  const home = makeHome();
  const id = installModule(home, 'org.test.stdoutfirst', await buildC(process.env.DBG_PROG ?? 'stdout-first', { world: 'import notify;' }));
  const result = await runRuntime(home, [id, '1'], { env: { ...home.env, NODE_OPTIONS: '--stack-trace-limit=60' } });
  console.log(JSON.stringify(result));
}, 60000);
