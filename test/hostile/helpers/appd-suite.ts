// One sandbox, one weft-appd in it and one subscribed watcher for a whole hostile suite file: made in beforeAll, torn down in afterAll.
import { standIn, suiteResource } from '../../support/suite-resource.js';
import { AppdProcess, type AppdOptions } from '../../support/appd.js';
import { makeSandbox, type Sandbox } from './sandbox.js';
import { Watcher } from './watcher.js';

export interface AppdSuite {
  sandbox: Sandbox;
  appd: AppdProcess;
  watcher: Watcher;
}

export interface AppdSuiteOptions extends AppdOptions {
  /** Plants more in the sandbox (apps, files) before weft-appd starts. */
  prepare?(sandbox: Sandbox): Promise<void> | void;
  /** Runs once the watcher is open, in the same hook: the launches and baselines the suite needs. */
  ready?(suite: AppdSuite): Promise<void> | void;
}

/** A sandbox labelled `label` holding apps/<dir> for each of `apps`, prepared, then weft-appd started in it and a watcher subscribed. */
async function startAppdSuite(label: string, apps: readonly string[], options: AppdSuiteOptions): Promise<AppdSuite> {
  const sandbox = makeSandbox(label, apps);
  let appd: AppdProcess | undefined;
  try {
    await options.prepare?.(sandbox);
    appd = await AppdProcess.start(sandbox, options);
    const started = appd;
    return { sandbox, appd: started, watcher: await Watcher.open(() => started.connect()) };
  } catch (error) {
    await appd?.stop();
    sandbox.cleanup();
    throw error;
  }
}

/** Closes the watcher, stops weft-appd (SIGTERM, then SIGKILL) and removes the sandbox. */
async function stopAppdSuite(suite: AppdSuite): Promise<void> {
  suite.watcher.close();
  await suite.appd.stop();
  suite.sandbox.cleanup();
}

/**
 * Registers the file's beforeAll (120 s, options.ready included) and afterAll, and returns stand-ins
 * for the sandbox, weft-appd and the watcher, usable from beforeAll (ready) until afterAll.
 */
export function appdSuiteForFile(label: string, apps: readonly string[], options: AppdSuiteOptions = {}): AppdSuite {
  const suite = suiteResource({ create: () => startAppdSuite(label, apps, options), ready: options.ready, dispose: stopAppdSuite, timeoutMs: 120_000 });
  return { sandbox: standIn(() => suite.sandbox), appd: standIn(() => suite.appd), watcher: standIn(() => suite.watcher) };
}
