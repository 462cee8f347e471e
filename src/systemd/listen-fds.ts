// Socket activation: takes the listening socket systemd passed as fd 3 (LISTEN_FDS/LISTEN_PID).

/** sd_listen_fds(3): passed descriptors start at 3. */
export const SD_LISTEN_FDS_START = 3;

export interface ListenFds {
  /** The first passed descriptor (3); weft-appd serves on it. */
  fd: number;
  /** How many descriptors systemd passed (weft-appd.socket passes one). */
  count: number;
  /** LISTEN_FDNAMES split on ':', when systemd set it (FileDescriptorName=, default the socket unit's name). */
  names: string[];
}

export class ListenFdsError extends Error {
  constructor(message: string) {
    super(`socket activation: ${message}`);
    this.name = 'ListenFdsError';
  }
}

/**
 * Returns the passed socket when systemd activated this very process, else undefined (bind your
 * own socket then). LISTEN_PID must equal `pid`: the variables leak into children through the
 * environment, and a child must not serve a socket meant for its parent. The variables are always
 * removed from `env` (unless told not to) so that no child sees them, as sd_listen_fds(1) does.
 */
export function takeListenFds(
  env: NodeJS.ProcessEnv = process.env,
  pid: number = process.pid,
  options: { unsetEnvironment?: boolean } = {},
): ListenFds | undefined {
  const pidText = env.LISTEN_PID;
  const fdsText = env.LISTEN_FDS;
  const namesText = env.LISTEN_FDNAMES;
  if (options.unsetEnvironment ?? true) {
    delete env.LISTEN_PID;
    delete env.LISTEN_FDS;
    delete env.LISTEN_FDNAMES;
  }
  if (pidText === undefined || pidText === '') {
    if (fdsText !== undefined && fdsText !== '') {
      throw new ListenFdsError(`LISTEN_FDS=${JSON.stringify(fdsText)} is set but LISTEN_PID is not; refusing to guess whose sockets they are`);
    }
    return undefined;
  }
  if (!/^[1-9][0-9]*$/.test(pidText)) throw new ListenFdsError(`LISTEN_PID=${JSON.stringify(pidText)} is not a process id`);
  if (Number(pidText) !== pid) return undefined;
  if (fdsText === undefined || !/^[0-9]+$/.test(fdsText)) {
    throw new ListenFdsError(`LISTEN_PID is ours (${pid}) but LISTEN_FDS=${JSON.stringify(fdsText ?? null)} is not a count`);
  }
  const count = Number(fdsText);
  if (count < 1) throw new ListenFdsError(`LISTEN_PID is ours (${pid}) but LISTEN_FDS=${count}: systemd passed no socket`);
  const names = namesText === undefined || namesText === '' ? [] : namesText.split(':');
  return { fd: SD_LISTEN_FDS_START, count, names };
}
