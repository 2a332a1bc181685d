/** The demo's stores (`npm start`), in one place for the demo and the test that checks their stock looks real. */
import type { GeneratorOptions } from './generator/options.ts';

// Stock follows sales: acceptances restock what runs out (generator/simulate.ts). Below zero are only the few
// products a store sells but never accepts (`unaccepted`), as real stores that do not count some goods show.
export const DEMO_STORES: readonly (Partial<GeneratorOptions> & { seed: string; name: string })[] = [
  { seed: 'demo-1', name: 'Магазин «У дома»', products: 300, terminals: 2, months: 6, docsPerDay: 60, unaccepted: 2 },
  { seed: 'demo-2', name: 'Кофейня на Садовой', products: 80, terminals: 1, months: 3, docsPerDay: 40, unaccepted: 1 },
  { seed: 'demo-3', name: 'Склад (API V1)', products: 120, terminals: 1, months: 4, docsPerDay: 30, apiVersion: 'v1' },
];
