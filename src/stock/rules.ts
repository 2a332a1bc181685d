/**
 * THE rule table: what each document type does to the stock of each product it lists.
 * Every row names its source; src/stock/README.md gives the same table in prose. Change a rule here and only here.
 */
import type { DocumentType } from '../model/types.ts';
import type { RuleId } from './types.ts';

export type Effect =
  /** stock after = stock before − |quantity| */
  | 'decrease'
  /** stock after = stock before + |quantity| */
  | 'increase'
  /** stock after = counted quantity */
  | 'count'
  /** listed products are flagged; nothing moves and nothing is decided */
  | 'flag'
  /** listed products get a row that moves and decides nothing, with no flag (the history says why in words) */
  | 'mention'
  /** no stock effect at all */
  | 'none'
  /** type unknown: ignored, counted, listed products flagged */
  | 'ignore';

export interface Rule {
  id: RuleId;
  /** Document types the rule applies to. */
  types: readonly DocumentType[];
  effect: Effect;
  /** Whether the position settlement method can cancel the movement (only receipts carry one). */
  settlementApplies: boolean;
  /** One line a newcomer can check against the source. */
  rule: string;
  source: string;
}

export const RULES: readonly Rule[] = [
  {
    id: 'SELL', types: ['SELL'], effect: 'decrease', settlementApplies: true,
    rule: 'after = before − |quantity|',
    source: 'Guide step 4 ("из указанных в нём остатков необходимо вычесть количество проданного товара")',
  },
  {
    id: 'BUYBACK', types: ['BUYBACK'], effect: 'decrease', settlementApplies: true,
    rule: 'after = before − |quantity|',
    source: 'evotor-api.md §3 DOC doc_smart_terminal_documents: "Выкуп товара клиентом, с уменьшением остатка"',
  },
  {
    id: 'WRITE_OFF', types: ['WRITE_OFF'], effect: 'decrease', settlementApplies: false,
    rule: 'after = before − |quantity|',
    source: 'evotor-api.md §3: WRITE_OFF = списание (goods leave the store)',
  },
  {
    id: 'RETURN', types: ['RETURN'], effect: 'decrease', settlementApplies: false,
    rule: 'after = before − |quantity|',
    source: 'evotor-api.md §3: RETURN = возврат поставщику (goods leave the store)',
  },
  {
    id: 'PAYBACK', types: ['PAYBACK'], effect: 'increase', settlementApplies: true,
    rule: 'after = before + |quantity| (V1 sends the quantity negative)',
    source: 'Guide step 4 ("к указанным в нём остаткам необходимо добавить количество возвращённого товара"); V1 sign: evotor-api.md §4',
  },
  {
    id: 'BUY', types: ['BUY'], effect: 'increase', settlementApplies: true,
    rule: 'after = before + |quantity| (V1 sends the quantity negative)',
    source: 'evotor-api.md §3: "Выкуп у клиента, с увеличением остатка"; V1 sign: §4',
  },
  {
    id: 'ACCEPT', types: ['ACCEPT'], effect: 'increase', settlementApplies: false,
    rule: 'after = before + |quantity|: initial_quantity is the stock BEFORE acceptance',
    source: 'DOCAPI document2 ACCEPT: initial_quantity = "Остаток товара в магазине до начала приемки" (evotor-api.md §3); '
      + 'the guide\'s "используйте указанные в нём остатки" read with that definition',
  },
  {
    id: 'INVENTORY', types: ['INVENTORY'], effect: 'count', settlementApplies: false,
    rule: 'after = counted quantity; complete_inventory true: unlisted tracked products = 0; absent: partial, flagged',
    source: 'DOCAPI INVENTORY quantity = "по итогам инвентаризации", completeInventory (evotor-api.md §3 INVENTORY)',
  },
  {
    id: 'OPEN_TARE', types: ['OPEN_TARE'], effect: 'flag', settlementApplies: false,
    rule: 'no movement, does not decide; listed products are flagged',
    source: 'evotor-api.md §9: whether OPEN_TARE moves stock is [?]; its initial_quantity text is copied from sales',
  },
  {
    id: 'CORRECTION', types: ['CORRECTION'], effect: 'mention', settlementApplies: false,
    rule: 'nothing moves and nothing is decided; listed products show it in their history, not flagged',
    source: 'evotor-api.md §10 [S]: a CORRECTION (чек коррекции) fixes fiscal data, not goods',
  },
  {
    id: 'NO_STOCK_EFFECT',
    types: ['REVALUATION', 'CASH_INCOME', 'CASH_OUTCOME', 'OPEN_SESSION', 'CLOSE_SESSION', 'POS_OPEN_SESSION', 'FPRINT', 'X_REPORT', 'Z_REPORT'],
    effect: 'none', settlementApplies: false,
    rule: 'nothing; counted',
    source: 'evotor-api.md §3 body table: REVALUATION carries prices only; cash, session and report bodies carry money only',
  },
  {
    id: 'UNKNOWN_TYPE', types: ['UNKNOWN'], effect: 'ignore', settlementApplies: false,
    rule: 'nothing; counted by raw type; listed products flagged',
    source: 'evotor-api.md §3 "[I] Treat unknown types as log and skip" (JSDK maps unknown names to UNKNOWN)',
  },
  {
    id: 'INVENTORY_UNLISTED', types: [], effect: 'count', settlementApplies: false,
    rule: 'a complete inventory that does not list a tracked product sets it to 0 as of its time',
    source: 'DOCAPI completeInventory true: "у неупомянутых товаров остаток сбрасывается к нулю" (evotor-api.md §3)',
  },
];

const BY_TYPE = new Map<DocumentType, Rule>();
for (const rule of RULES) for (const type of rule.types) BY_TYPE.set(type, rule);
const BY_ID = new Map<RuleId, Rule>(RULES.map((rule) => [rule.id, rule]));

export function ruleForType(type: DocumentType): Rule {
  return BY_TYPE.get(type) ?? BY_ID.get('UNKNOWN_TYPE')!;
}

export function ruleById(id: RuleId): Rule {
  return BY_ID.get(id)!;
}

/** Whether an effect sets or moves stock (and so its document can decide a product). */
export function decidesStock(effect: Effect): boolean {
  return effect === 'decrease' || effect === 'increase' || effect === 'count';
}

/** Rules that apply to lines and histories rather than to one document type. Same table, second half. */
export const LINE_RULES = [
  {
    id: 'settlement',
    rule: 'receipt lines (SELL, PAYBACK, BUY, BUYBACK): PREPAYMENT_FULL, PREPAYMENT_PARTIAL, ADVANCE, CREDIT_CHECKOUT move '
      + 'nothing; CHECKOUT_FULL, CHECKOUT_PARTIAL, CREDIT_PASS move; Evotor\'s names exact, other spellings read as words, '
      + 'never against an exact name; absent = full settlement; a value nobody knows moves and is flagged (settlement.ts)',
    source: 'Guide (top note "учитывайте settelment_method"); evotor-api.md §10 (Evotor\'s names, terminal SDK reading of '
      + 'a missing value), §8 (FFD tag 1214, legal wording)',
  },
  {
    id: 'sign',
    rule: 'the sign of quantity is never trusted: |quantity| with the direction from the document type',
    source: 'evotor-api.md §10: V2 quantity "always positive" (a real PAYBACK has 1); §4: V1 PAYBACK and BUY carry negative quantities',
  },
  {
    id: 'free-price',
    rule: 'lines with no product id (absent, null or empty) or 390067bf-e8d3-4fcc-8c30-fbfd77a0a70d are skipped and '
      + 'counted; they need no quantity',
    source: 'evotor-api.md §10 ("product_id is absent on free-price lines"), §4/§9 (DOCAPI pos-docs: "Позиция по свободной цене")',
  },
  {
    id: 'precision',
    rule: 'a quantity with more decimals than the line\'s measure_precision allows is counted as sent and flagged',
    source: 'evotor-api.md §10, §3: measure_precision gives the decimals a product\'s quantity may have (0 for pieces)',
  },
  {
    id: 'service',
    rule: 'SERVICE lines (line product_type or catalogue type) are skipped and counted',
    source: 'evotor-api.md §9: "Поле остатков неприменимо для услуг"',
  },
  {
    id: 'not-tracked',
    rule: 'catalogue groups and parents with modifications keep no stock: status not_tracked, their lines counted',
    source: 'evotor-api.md §9: "Учёт остатков также ведётся для каждой модификации отдельно"; DOCAPI product.group',
  },
  {
    id: 'unknown-product',
    rule: 'lines of products missing from the catalogue are skipped, counted and listed with their ids',
    source: 'evotor-api.md §2: deleted products probably do not appear in /products',
  },
  {
    id: 'set',
    rule: 'sub-positions are lines of their own products; the set (parent) line moves nothing and is counted; '
      + 'a component without its own settlement method takes the set\'s',
    source: 'Our reasoning: evotor-api.md §9 says sub_positions carry the full position shape with initial_quantity, so '
      + 'the components carry the stock; counting the set too would move stock twice',
  },
  {
    id: 'several-lines',
    rule: 'several lines of one product in one document: movements (and inventory counts) add up; stock before = first line\'s',
    source: 'Issue 2 §3; the terminal states the stock before the document, which is the first line\'s',
  },
  {
    id: 'newest',
    rule: 'the newest deciding document by close time decides; ties by device id, number, document id',
    source: 'Guide step 4 ("найти самый новый документ"); tie order is ours, so the result never depends on input order',
  },
  {
    id: 'missing-stock-before',
    rule: 'a deciding line without stock-before cannot anchor: result = newest earlier anchor + later movements, '
      + 'flagged MISSING_STOCK_BEFORE; with no anchor at all the product stays unresolved (NO_STOCK_BEFORE)',
    source: 'Our reasoning: the guide needs the stock stated in the document; movements alone only give a difference',
  },
  {
    id: 'inventory-completeness-absent',
    rule: 'an INVENTORY without complete_inventory is treated as partial; unlisted products decided earlier are flagged',
    source: 'Our choice: JSDK defaults to true, but resetting every product to 0 on a guess is destructive and hard to undo',
  },
  {
    id: 'open-tare',
    rule: 'OPEN_TARE does not decide (its stock-before may not be what it says); listed products are flagged',
    source: 'evotor-api.md §9 OPEN_TARE is [?]; DOCAPI example has balanceQuantity −1 and a description copied from sales',
  },
] as const;
