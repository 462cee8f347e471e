// Factor weft:app/notifications (sys:notifications): desktop notifications through notify-send.
import { defineFactor, err, ok, type WitResult } from './factor.js';
import { runHelper } from './spawn-helper.js';

export const notificationsFactor = defineFactor<{ appId: string }>({
  name: 'notifications',
  grant: (grants, session) => (grants.some((g) => g.kind === 'notifications') ? { appId: session.appId } : null),
  host: (config) => ({
    async call(op, args) {
      if (op !== 'notify') throw new Error(`notifications: unknown operation ${op}`);
      const [title, body, icon] = args as [string, string, string | undefined];
      await runHelper('notify-send', [`--app-name=${config.appId}`, ...(icon ? [`--icon=${icon}`] : []), '--', title, body], {
        timeoutMs: 10_000,
        maxOutputBytes: 64 * 1024,
        missing: 'notify-send is not installed, so desktop notifications are unavailable',
      });
      return undefined;
    },
  }),
  guest: (_config, context) => ({
    'weft:app/notifications': {
      notify(title: string, body: string, icon: string | undefined): WitResult<undefined> {
        const reply = context.call('notifications', 'notify', [title, body, icon]);
        return reply.ok ? ok(undefined) : err(reply.error);
      },
    },
  }),
});
