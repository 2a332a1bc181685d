/**
 * Every product in one virtualised grid (fixed row height): only the rows in view are in the DOM, so 50,000 rows
 * scroll smoothly. Keyboard: the grid is one Tab stop; ↑ ↓ PageUp PageDown Home End move the active row, Space
 * approves or unapproves it, Enter opens its detail. Manual quantity fields of undecided rows are ordinary inputs.
 */
import { useEffect, useState } from 'preact/hooks';
import { useAppState } from '../context.ts';
import { explainRow } from '../explain.ts';
import { formatQty, formatSignedQty, lang, t, type Lang } from '../i18n.ts';
import { difference, effectiveQuantity, proposesChange, takesLedger, type Sort, type SortKey, type ViewRow } from '../review-model.ts';
import { useVirtualRows } from '../virtual.ts';
import { ManualInput } from './ManualInput.tsx';
import { StatusBadges } from './StatusBadges.tsx';
import { Name } from './Name.tsx';
import { plainText } from '../../model/bidi.ts';
import type { Milli } from '../../model/quantity.ts';

export const ROW_HEIGHT = 48;
export const HEADER_HEIGHT = 40;

interface Column {
  key: SortKey | null;
  label: () => string;
  className: string;
}

const COLUMNS: readonly Column[] = [
  { key: null, label: () => t('review.col.approve'), className: 'c-approve' },
  { key: 'name', label: () => t('review.col.name'), className: 'c-name' },
  { key: 'code', label: () => t('review.col.code'), className: 'c-code' },
  { key: 'cloud', label: () => t('review.col.cloud'), className: 'c-num' },
  { key: 'computed', label: () => t('review.col.computed'), className: 'c-num' },
  { key: 'difference', label: () => t('review.col.difference'), className: 'c-num' },
  { key: 'status', label: () => t('review.col.status'), className: 'c-reason' },
];

/** A quantity and its unit, which may go below the number in a narrow frame (the number itself never breaks). */
function Qty({ text, unit }: { text: string; unit: string | null }) {
  return <>{text}{text !== '—' && unit ? ` ${unit}` : ''}</>;
}

function ariaSort(sort: Sort, key: SortKey | null): 'ascending' | 'descending' | 'none' | undefined {
  if (key === null) return undefined;
  if (sort.key !== key) return 'none';
  return sort.dir === 'asc' ? 'ascending' : 'descending';
}

const rowDomId = (index: number): string => `review-row-${index}`;

export function ReviewTable() {
  const s = useAppState();
  const rows = s.visibleRows.value;
  const manual = s.manual.value;
  const notApproved = s.notApproved.value;
  const sort = s.sort.value;
  const multiStore = s.reviewStoreIds.value.length > 1;
  const l = lang.value;
  const [active, setActive] = useState(0);
  const [announcement, setAnnouncement] = useState('');
  /** Manual entries refused, by row: the reason cell shows what is allowed, next to the field. */
  const [fieldErrors, setFieldErrors] = useState<ReadonlyMap<string, string>>(new Map());
  const setFieldError = (key: string, message: string | null) =>
    setFieldErrors((cur) => {
      const next = new Map(cur);
      if (message === null) next.delete(key);
      else next.set(key, message);
      return next;
    });
  const v = useVirtualRows(rows.length, { rowHeight: ROW_HEIGHT, headerHeight: HEADER_HEIGHT });

  // Keep the active row inside the list when filtering shrinks it.
  useEffect(() => {
    if (active >= rows.length) setActive(Math.max(0, rows.length - 1));
  }, [rows.length]);

  const move = (index: number) => {
    if (rows.length === 0) return;
    const next = Math.max(0, Math.min(rows.length - 1, index));
    setActive(next);
    v.scrollToIndex(next);
  };

  const toggleApproval = (r: ViewRow) => {
    if (!proposesChange(r, manual.get(r.key))) return;
    const approve = notApproved.has(r.key);
    s.setApproved([r.key], approve);
    setAnnouncement(t(approve ? 'review.approvedOne' : 'review.unapprovedOne', { name: r.row.stock.name }));
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const target = e.target as HTMLElement;
    if (target.tagName === 'INPUT' && (target as HTMLInputElement).type === 'text') return;
    switch (e.key) {
      case 'ArrowDown':
        move(active + 1);
        break;
      case 'ArrowUp':
        move(active - 1);
        break;
      case 'PageDown':
        move(active + v.pageSize);
        break;
      case 'PageUp':
        move(active - v.pageSize);
        break;
      case 'Home':
        move(0);
        break;
      case 'End':
        move(rows.length - 1);
        break;
      case ' ': {
        const r = rows[active];
        if (r) toggleApproval(r);
        break;
      }
      case 'Enter': {
        const r = rows[active];
        if (r) void s.openDetail(r.key);
        break;
      }
      default:
        return;
    }
    e.preventDefault();
  };

  const rendered = [];
  for (let i = v.range.start; i < v.range.end; i++) {
    const r = rows[i];
    if (!r) continue;
    rendered.push(
      <ReviewGridRow
        key={r.key} r={r} i={i} active={i === active} manual={manual.get(r.key)} notApproved={notApproved}
        multiStore={multiStore} lang={l} fieldError={fieldErrors.get(r.key)}
        onActivate={() => setActive(i)} onToggle={() => toggleApproval(r)}
        onFieldError={(msg) => {
          setFieldError(r.key, msg);
          setAnnouncement(msg === null ? '' : `${r.row.stock.name}: ${msg}`);
        }}
      />,
    );
  }

  return (
    <div class="grid-wrap">
      <div
        ref={v.ref}
        class="grid"
        role="grid"
        tabIndex={0}
        aria-label={t('review.tableLabel')}
        aria-rowcount={rows.length + 1}
        aria-colcount={COLUMNS.length}
        aria-activedescendant={rows.length > 0 ? rowDomId(active) : undefined}
        aria-describedby="review-keys"
        onScroll={v.onScroll}
        onKeyDown={onKeyDown}
      >
        <GridHead sort={sort} onSort={(key) => s.toggleSort(key)} />
        <div class="grid-body" style={{ height: `${v.totalHeight}px` }}>
          {rendered}
        </div>
        {rows.length === 0 && <p class="grid-empty">{t('review.noRows')}</p>}
      </div>
      <p id="review-keys" class="muted small">
        {t('review.keyboardHint')}
      </p>
      <p class="visually-hidden" aria-live="polite">
        {announcement}
      </p>
    </div>
  );
}

/** One row of the grid: the product, the cloud's and the proposed quantity, the difference and the reason. */
function ReviewGridRow({ r, i, active, manual, notApproved, multiStore, lang: l, fieldError, onActivate, onToggle, onFieldError }: {
  r: ViewRow; i: number; active: boolean; manual: Milli | undefined; notApproved: ReadonlySet<string>; multiStore: boolean;
  lang: Lang; fieldError: string | undefined; onActivate: () => void; onToggle: () => void; onFieldError: (msg: string | null) => void;
}) {
  const s = useAppState();
  const m = manual;
  const stock = r.row.stock;
  const unit = stock.measureName;
  const diff = difference(r, m);
  const proposes = proposesChange(r, m);
  const approved = proposes && !notApproved.has(r.key);
  const ledger = takesLedger(r, m);
  // The reason explains the value the column shows: the ledger's when the user took it.
  const reason = explainRow(r.row, l, s.deviceNames(r.row.storeId), ledger ? 'ledger' : s.reviewMeta.value.get(r.row.storeId)?.method);
  return (
    <div
    key={r.key}
    id={rowDomId(i)}
    role="row"
    aria-rowindex={i + 2}
    aria-selected={active}
    class={`grid-row status-${r.status}${active ? ' active' : ''}${proposes && !approved ? ' not-approved' : ''}`}
    style={{ transform: `translateY(${i * ROW_HEIGHT}px)` }}
    onClick={onActivate}
    onDblClick={() => void s.openDetail(r.key)}
  >
    <div role="gridcell" class="c-approve">
      {proposes && (
        <input
          type="checkbox"
          tabIndex={-1}
          checked={approved}
          aria-label={t('review.approveRow', { name: stock.name })}
          onChange={onToggle}
        />
      )}
    </div>
    <div role="gridcell" class="c-name">
      <button type="button" class="link name" tabIndex={-1} onClick={() => void s.openDetail(r.key)} title={plainText(stock.name)}>
        <Name text={stock.name} />
      </button>
      {multiStore && <span class="sub" title={plainText(s.storeName(r.row.storeId))}><Name text={s.storeName(r.row.storeId)} /></span>}
    </div>
    <div role="gridcell" class="c-code" title={stock.code ?? undefined}>
      {stock.code ?? ''}
    </div>
    <div role="gridcell" class="c-num">
      <Qty text={formatQty(r.cloud)} unit={unit} />
    </div>
    <div role="gridcell" class="c-num">
      {r.status === 'undecided' ? (
        <ManualInput
          id={`manual-${i}`}
          compact
          value={m ?? null}
          label={t('manual.label', { name: stock.name })}
          onCommit={(text) => s.setManual(r.key, text)}
          unit={unit}
          errorId={`manual-${i}-error`}
          onError={onFieldError}
        />
      ) : (
        <Qty text={formatQty(effectiveQuantity(r, m))} unit={unit} />
      )}
    </div>
    <div role="gridcell" class={`c-num diff${diff !== null && diff > 0 ? ' up' : diff !== null && diff < 0 ? ' down' : ''}`}>
      {diff === null ? '—' : <Qty text={formatSignedQty(diff)} unit={unit} />}
    </div>
    <div role="gridcell" class="c-reason">
      <StatusBadges row={r} manual={m !== undefined} ledger={ledger} />
      {fieldError !== undefined ? (
        <span id={`manual-${i}-error`} class="field-error">
          {fieldError}
        </span>
      ) : (
        <span class="reason" title={reason}>
          {reason}
        </span>
      )}
    </div>
  </div>
  );
}

/** The header row: a sort button per sortable column, with its direction. */
function GridHead({ sort, onSort }: { sort: Sort; onSort: (key: SortKey) => void }) {
  return (
    <div class="grid-head" role="row" aria-rowindex={1}>
      {COLUMNS.map((c) => (
        <div key={c.className + (c.key ?? '')} role="columnheader" class={c.className} aria-sort={ariaSort(sort, c.key)}>
          {c.key === null ? (
            <span class="visually-hidden">{c.label()}</span>
          ) : (
            <button type="button" class="sort" onClick={() => onSort(c.key!)} title={t('review.sortBy', { column: c.label() })}>
              {c.label()}
              <span aria-hidden="true" class="sort-mark">
                {sort.key === c.key ? (sort.dir === 'asc' ? '▲' : '▼') : ''}
              </span>
            </button>
          )}
        </div>
      ))}
    </div>
  );
}
