/**
 * The embed script's entry (built into dist/evotor-stock-sync.js by `vite build --mode embed`): defines
 * <evotor-stock-sync> over the real backend, the same factory the app uses (src/ui/create-backend.ts), so the
 * element and the app behave the same. The composition root of the embed, as src/main.tsx is the app's.
 */
import { backendFactory } from '../ui/create-backend.ts';
import { createElementClass, ELEMENT_NAME } from './element.tsx';

export type { EvotorStockSyncElement, EmbedEventDetail } from './element.tsx';

if (!customElements.get(ELEMENT_NAME)) {
  customElements.define(
    ELEMENT_NAME,
    createElementClass({
      // The worker is inlined into this script (vite.config.ts, embed mode) and started from a blob of the page's
      // origin, so the default scriptUrl is right wherever the script is served from.
      createBackend: backendFactory(),
      env: { VITE_EVOTOR_API_BASE: import.meta.env.VITE_EVOTOR_API_BASE as string | undefined },
    }),
  );
}
