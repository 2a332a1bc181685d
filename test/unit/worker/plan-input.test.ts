// The worker's rules for what a write plan gets of a store: values by the saved method, approvals, manual values.
import { describe, expect, it } from 'vitest';
import type { ResultRow } from '../../../src/pull/computation.ts';
import { planStore } from '../../../src/sync/worker/plan-input.ts';
import { proposedQuantity } from '../../../src/sync/shared/rows.ts';
import { buildTerminals, deviceIdsOf } from '../../../src/sync/worker/terminals.ts';
import { tryParseQuantity } from '../../../src/model/quantity.ts';
import { prepareRows } from '../../../src/ui/review-model.ts';
import { productStock, resultRow, reviewRow } from '../ui/memory-backend.ts';

const row = resultRow;
const rows = [
  row('a', { quantity: '7', ledgerQuantity: '6', cloudQuantity: '0' }),
  row('b', { quantity: '3', ledgerQuantity: '3', cloudQuantity: '1' }),
  row('u', { status: 'unresolved', quantity: null, ledgerQuantity: null, decidedBy: null }),
  row('l', { status: 'unresolved', quantity: null, ledgerQuantity: '4', decidedBy: null }),
  row('n', { status: 'not_tracked', quantity: null, ledgerQuantity: null }),
];
const input = { storeId: 'S', storeName: 'Ленина', api: 'v2' as const, cutoff: 1_700_000_000_000, rows };

describe('plan input', () => {
  it('proposes the guide result, or the ledger when that method was chosen; nothing for untracked products', () => {
    expect(rows.map((r) => proposedQuantity(r, 'latest-document'))).toEqual(['7', '3', null, null, null]);
    expect(rows.map((r) => proposedQuantity(r, 'ledger'))).toEqual(['6', '3', null, '4', null]);
  });

  it('the review shows as computed exactly what the plan writes, by either method (one proposedQuantity, sync/shared/rows.ts)', () => {
    for (const method of ['latest-document', 'ledger'] as const) {
      const stocks = rows.map((r) => productStock(r.productId, { status: r.status, quantity: r.quantity, ledgerQuantity: r.ledgerQuantity }));
      const review = prepareRows(stocks.map((stock) => reviewRow('S', stock)), method).map((v) => v.computed);
      const plan = planStore({ ...input, method, decisions: { manual: {}, notApproved: [], ticked: [] } }).computed.map((c) => tryParseQuantity(c.quantity));
      expect(review).toEqual(plan);
      expect(review.filter((q) => q !== null).length).toBeGreaterThan(1);
    }
  });

  it('approves everything but the unticked; manual values only for products that propose none, and not unticked ones', () => {
    const spec = planStore({ ...input, method: 'latest-document', decisions: { manual: { a: '100', u: '2.5', l: '1', b: '9' }, notApproved: ['b'], ticked: [] } });
    expect(spec).toMatchObject({ storeId: 'S', storeName: 'Ленина', api: 'v2', cutoff: 1_700_000_000_000, approved: ['a', 'u', 'l', 'n'], manual: { u: '2.5', l: '1' } });
    expect(spec.computed.map((c) => [c.productId, c.quantity, c.status])).toEqual([
      ['a', '7', 'resolved'], ['b', '3', 'resolved'], ['u', null, 'unresolved'], ['l', null, 'unresolved'], ['n', null, 'not_tracked'],
    ]);
    const ledger = planStore({ ...input, method: 'ledger', decisions: { manual: { u: '2.5', l: '1' }, notApproved: [], ticked: [] } });
    expect(ledger.manual).toEqual({ u: '2.5' });
    expect(ledger.computed.map((c) => c.quantity)).toEqual(['6', '3', null, '4', null]);
  });

  it('writes the ledger\'s value for a product whose ledger value the user took; any other value there stays ignored (issue 16 item 2)', () => {
    const spec = planStore({ ...input, method: 'latest-document', decisions: { manual: { a: '6', b: '3' }, notApproved: [], ticked: [] } });
    expect(spec.computed.map((c) => [c.productId, c.quantity])).toEqual([['a', '6'], ['b', '3'], ['u', null], ['l', null], ['n', null]]);
    expect(spec.computed.map((c) => c.rule)).toEqual(['LEDGER', 'SELL', 'SELL', 'SELL', 'SELL']);
    expect(spec.manual).toEqual({});
    // A value that is not the ledger's (typed before the product was decided) does not override the documents.
    expect(planStore({ ...input, method: 'latest-document', decisions: { manual: { a: '5' }, notApproved: [], ticked: [] } }).computed[0]!.quantity).toBe('7');
  });

  it('numbers every known terminal by id, names them from the cloud (ids compared case-insensitively)', () => {
    const doc = (deviceId: string) => ({ ...productStock('x').decidedBy!, deviceId });
    const ids = deviceIdsOf([row('a', { decidedBy: doc('T-b') }), row('b', { decidedBy: doc('T-a') }), row('c', { decidedBy: doc('') })]);
    expect([...ids].sort()).toEqual(['T-a', 'T-b']);
    expect(buildTerminals(ids, { devices: [{ id: 't-b', name: 'Касса 2' }, { id: 'T-0', name: 'Склад' }] })).toEqual({
      byId: { 'T-0': { number: 1, name: 'Склад' }, 'T-a': { number: 2, name: null }, 'T-b': { number: 3, name: 'Касса 2' } },
      source: 'cloud', error: null,
    });
    const error = { name: 'ApiError' as const, code: 'not-found' as const, params: {}, status: 404, operation: null, message: '404' };
    expect(buildTerminals(ids, { error })).toEqual({ byId: { 'T-a': { number: 1, name: null }, 'T-b': { number: 2, name: null } }, source: 'numbered', error });
  });
});
