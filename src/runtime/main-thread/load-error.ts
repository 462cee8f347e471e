// A session that cannot start: the one-line reason and the exit status weft-appd sees.
import { EXIT } from '../../protocol/runtime-exit.js';

export class LoadError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.LOAD_FAILED,
  ) {
    super(message);
    this.name = 'LoadError';
  }
}
