/**
 * The confirmation before anything is written (or restored): how many products, in how many stores, by how much.
 * The numbers come from the journaled plan, not from the table, so they are exactly what will be sent.
 */
import type { UnitTotal, WritePlan } from '../backend.ts';
import { useAppState } from '../context.ts';
import { formatUnitTotals, t, tn } from '../i18n.ts';
import { mergeUnitTotals } from '../review-model.ts';
import { Dialog } from './Dialog.tsx';
import { ErrorPanel } from './ErrorPanel.tsx';
import { MovedList } from './MovedList.tsx';
import { Name } from './Name.tsx';

export interface PlanTotals {
  products: number;
  stores: number;
  /** What is added and removed per unit (kilograms and pieces are never added together). */
  byUnit: UnitTotal[];
}

export function planTotals(plan: WritePlan): PlanTotals {
  let products = 0;
  let stores = 0;
  for (const store of plan.stores) {
    products += store.products;
    if (store.products > 0) stores += 1;
  }
  return { products, stores, byUnit: mergeUnitTotals(plan.stores.map((s) => s.byUnit)) };
}

/** The sentence that says what will change: "Будут записаны остатки 1 234 товаров в 2 магазинах." */
export function planSentence(plan: WritePlan): string {
  const totals = planTotals(plan);
  const products = tn('count.productsGen', totals.products);
  const stores = tn('count.inStores', totals.stores);
  return t(plan.kind === 'undo' ? 'plan.undo.what' : 'plan.write.what', { products, stores });
}

export function differenceSentence(plan: WritePlan): string {
  const totals = planTotals(plan);
  return t('plan.difference', { totals: formatUnitTotals(totals.byUnit) });
}

export function PlanDialog() {
  const s = useAppState();
  const state = s.plan.value;
  const undo = state.status === 'ready' && state.value.kind === 'undo';
  const title = t(undo ? 'plan.undo.title' : 'plan.write.title');

  let body;
  if (state.status === 'loading' || state.status === 'idle') {
    body = (
      <p role="status" aria-live="polite">
        {t('plan.preparing')}
      </p>
    );
  } else if (state.status === 'error') {
    body = <ErrorPanel error={state.error} />;
  } else {
    const plan = state.value;
    const totals = planTotals(plan);
    if (totals.products === 0) {
      body = <p>{t('plan.nothing')}</p>;
    } else {
      body = (
        <>
          <p class="plan-what">
            <strong>{planSentence(plan)}</strong>
          </p>
          <p>{differenceSentence(plan)}</p>
          {plan.stores.length > 1 && (
            <table class="plain">
              <caption class="visually-hidden">{t('plan.byStore')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('plan.col.store')}</th>
                  <th scope="col" class="num">
                    {t('plan.col.products')}
                  </th>
                  <th scope="col" class="num">
                    {t('plan.col.difference')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {plan.stores.map((store) => (
                  <tr key={store.storeId}>
                    <th scope="row"><Name text={store.storeName} /></th>
                    <td class="num">{t('progress.number', { n: store.products })}</td>
                    <td class="num">{formatUnitTotals(store.byUnit)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <MovedList moved={plan.moved} planned />
          <p class="muted">{t(undo ? 'plan.undo.note' : 'plan.write.note')}</p>
        </>
      );
    }
  }

  const ready = state.status === 'ready' && planTotals(state.value).products > 0;
  return (
    <Dialog titleId="plan-title" descriptionId="plan-body" onClose={s.cancelPlan} initialFocus=".plan-cancel">
      <h2 id="plan-title">{title}</h2>
      <div id="plan-body">{body}</div>
      <div class="actions">
        {ready && (
          <button type="button" class="button primary" onClick={() => void s.confirmPlan()}>
            {t(undo ? 'plan.undo.confirm' : 'plan.write.confirm')}
          </button>
        )}
        <button type="button" class="button plan-cancel" onClick={s.cancelPlan}>
          {t(ready ? (undo ? 'plan.undo.cancel' : 'plan.write.cancel') : 'plan.close')}
        </button>
      </div>
    </Dialog>
  );
}
