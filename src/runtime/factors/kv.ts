// Factor weft:app/kv (storage:kv): the app's key-value store, served on the main thread by kv/store.ts.
import { kvDir } from '../../config/paths.js';
import { defineFactor, err, ok, type WitResult } from './factor.js';
import { KvError, KvStore } from './kv/store.js';

interface KvConfig {
  dir: string;
  quotaBytes: number;
}

type KeyPage = { keys: string[]; nextCursor: string | undefined };

export const kvFactor = defineFactor<KvConfig>({
  name: 'kv',
  grant: (grants, session) =>
    grants.some((g) => g.kind === 'kv') ? { dir: kvDir(session.appId, session.env), quotaBytes: session.kvQuotaBytes } : null,
  host(config) {
    let store: KvStore | null = null;
    return {
      async call(op, args) {
        // Opened on first use, so a session that never touches kv creates nothing on disk.
        store ??= new KvStore(config.dir, config.quotaBytes);
        try {
          switch (op) {
            case 'get': {
              const value = store.get(args[0] as string);
              return value === undefined ? undefined : new Uint8Array(value);
            }
            case 'set':
              store.set(args[0] as string, Buffer.from(args[1] as Uint8Array));
              return undefined;
            case 'delete':
              store.delete(args[0] as string);
              return undefined;
            case 'list-keys': {
              const page = store.listKeys(args[0] as string, (args[1] as string | undefined) ?? null, args[2] as number);
              return { keys: page.keys, nextCursor: page.nextCursor ?? undefined } satisfies KeyPage;
            }
            default:
              throw new Error(`kv: unknown operation ${op}`);
          }
        } catch (error) {
          if (error instanceof KvError) throw error;
          throw new Error(`kv: the store at ${config.dir} failed: ${(error as Error).message}`);
        }
      },
    };
  },
  guest: (_config, context) => {
    function call<T>(op: string, args: unknown[]): WitResult<T> {
      const reply = context.call('kv', op, args);
      return reply.ok ? ok(reply.value as T) : err(reply.error);
    }
    return {
      'weft:app/kv': {
        get: (key: string) => call<Uint8Array | undefined>('get', [key]),
        set: (key: string, value: Uint8Array) => call<undefined>('set', [key, value]),
        delete: (key: string) => call<undefined>('delete', [key]),
        listKeys: (prefix: string, cursor: string | undefined, limit: number) => call<KeyPage>('list-keys', [prefix, cursor, limit]),
      },
    };
  },
});
