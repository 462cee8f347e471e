// Whether bubblewrap runs here, decided the way weft-appd decides it (so a suite skips, or fails under CI, for the same reason appd would).
import { chooseSandbox } from '../../../src/appd/sandbox/mechanism.js';

let works: boolean | null = null;

export function bwrapWorks(): boolean {
  if (works === null) {
    const choice = chooseSandbox({ PATH: process.env.PATH });
    works = choice.ok && choice.status.kind === 'bwrap';
  }
  return works;
}
