// Factor weft:app/notify: `ready()` prints READY (once), telling weft-appd the app has started.
import { defineFactor } from './factor.js';

export const notifyFactor = defineFactor<true>({
  name: 'notify',
  grant: () => true,
  guest: (_config, context) => ({
    'weft:app/notify': {
      ready: () => context.ready(),
    },
  }),
});
