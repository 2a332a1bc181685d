/**
 * Settlement method (признак способа расчёта, 54-ФЗ tag 1214): did this receipt line hand goods over?
 * THE one place for this rule. Sources: shared/docs/evotor-api.md §10 (Evotor's own names, what the cloud sends) and §8
 * (FFD meanings, the legal wording "до момента передачи" / "в момент передачи" / "после передачи").
 *
 * Reading a value, in this order:
 * 1. Evotor's seven names (EVOTOR_NAMES, exact, case-sensitive): the cloud's strings, e.g. CHECKOUT_FULL on every
 *    ordinary line (§10 [S] real V2 positions; [C] integration-library PaymentFeature.kt / SettlementMethod.kt).
 *    Never reported as unknown, never second-guessed by the word reader.
 * 2. Missing or empty: full settlement, as Evotor's terminal SDK reads it (§10 [C]).
 * 3. Anything else is read as a SET OF WORDS, in any order, case and separator (FULL_PREPAYMENT = FullPrepayment =
 *    "ПРЕДОПЛАТА 100%"), plus FFD codes 1..7: the React-Native bridge names, the terminal SDK class names and
 *    other APIs' spellings (OTHER_SPELLINGS lists those with a source). A plain string compare would confuse
 *    PARTIAL_PREPAYMENT (no goods) with PARTIAL_SETTLEMENT (goods) and CREDIT (goods) with CREDIT_PAYMENT (no goods).
 * 4. A value nobody knows moves goods (the terminal SDK's reading, and the safe default for a sale) and its caller
 *    flags it UNKNOWN_SETTLEMENT_METHOD.
 */
import type { SettlementKind } from './types.ts';

/** When the goods change hands, from the FFD wording. */
export type Handover = 'not_yet' | 'now' | 'earlier' | 'unknown';

export interface SettlementInfo {
  kind: SettlementKind;
  /** FFD tag 1214 value, when the kind has one. */
  ffd: number | null;
  /** Evotor's own name, as the cloud sends it (§10). */
  evotorName: string | null;
  /** Evotor terminal SDK class name (INTLIB receipt/position/SettlementMethod.kt, §8). */
  sdkName: string | null;
  handover: Handover;
  /** Whether goods change hands on this receipt, so stock moves. */
  moves: boolean;
  /** The name the review shows («полный расчёт»). */
  ru: string;
  en: string;
}

/** One row per kind: the FFD meaning, Evotor's names, whether goods move. */
export const SETTLEMENT_KINDS: Record<SettlementKind, SettlementInfo> = {
  full_prepayment: { kind: 'full_prepayment', ffd: 1, evotorName: 'PREPAYMENT_FULL', sdkName: 'FullPrepayment', handover: 'not_yet', moves: false, ru: 'полная предоплата', en: 'full prepayment' },
  partial_prepayment: { kind: 'partial_prepayment', ffd: 2, evotorName: 'PREPAYMENT_PARTIAL', sdkName: 'PartialPrepayment', handover: 'not_yet', moves: false, ru: 'частичная предоплата', en: 'partial prepayment' },
  advance: { kind: 'advance', ffd: 3, evotorName: 'ADVANCE', sdkName: 'AdvancePayment', handover: 'not_yet', moves: false, ru: 'аванс', en: 'advance' },
  full_settlement: { kind: 'full_settlement', ffd: 4, evotorName: 'CHECKOUT_FULL', sdkName: 'FullSettlement', handover: 'now', moves: true, ru: 'полный расчёт', en: 'full settlement' },
  partial_settlement: { kind: 'partial_settlement', ffd: 5, evotorName: 'CHECKOUT_PARTIAL', sdkName: 'PartialSettlement', handover: 'now', moves: true, ru: 'частичный расчёт и кредит', en: 'partial settlement and credit' },
  credit: { kind: 'credit', ffd: 6, evotorName: 'CREDIT_PASS', sdkName: 'Lend', handover: 'now', moves: true, ru: 'передача в кредит', en: 'handover on credit' },
  credit_payment: { kind: 'credit_payment', ffd: 7, evotorName: 'CREDIT_CHECKOUT', sdkName: 'LoanPayment', handover: 'earlier', moves: false, ru: 'оплата кредита', en: 'credit payment' },
  // A bare "PREPAYMENT" (other APIs' wording, FFD print name «ПРЕДОПЛАТА»): full or partial, no goods either way.
  prepayment: { kind: 'prepayment', ffd: null, evotorName: null, sdkName: null, handover: 'not_yet', moves: false, ru: 'предоплата', en: 'prepayment' },
  // Missing: an ordinary receipt (the terminal SDK reads it as full settlement; JSDK 2018 positions have no field).
  absent: { kind: 'absent', ffd: null, evotorName: null, sdkName: null, handover: 'now', moves: true, ru: 'полный расчёт', en: 'full settlement' },
  // Unknown: read as the terminal SDK reads it (full settlement), so stock does not drift up; flagged by the caller.
  unknown: { kind: 'unknown', ffd: null, evotorName: null, sdkName: null, handover: 'unknown', moves: true, ru: 'неизвестный признак расчёта', en: 'unknown settlement method' },
};

/** The seven FFD kinds in tag 1214 order (value i + 1). */
const BY_FFD_ORDER: readonly SettlementKind[] = ['full_prepayment', 'partial_prepayment', 'advance', 'full_settlement', 'partial_settlement', 'credit', 'credit_payment'];

/** Evotor's seven names, exact: the primary table (§10). */
export const EVOTOR_NAMES: ReadonlyMap<string, SettlementInfo> = new Map(
  Object.values(SETTLEMENT_KINDS).filter((info) => info.evotorName !== null).map((info) => [info.evotorName!, info]),
);

/**
 * Other spellings the word reader is known to read, with where they come from. Not a lookup table (the words decide);
 * listed so that the sources are in one place and test/unit/stock/settlement.test.ts can hold the reader to them.
 */
export const OTHER_SPELLINGS: readonly { spelling: string | number; kind: SettlementKind; source: string }[] = [
  ...(['FULL_PREPAYMENT', 'PARTIAL_PREPAYMENT', 'ADVANCE_PAYMENT', 'FULL_SETTLEMENT', 'PARTIAL_SETTLEMENT', 'LEND', 'LOAN_PAYMENT'] as const).map(
    (spelling, i) => ({ spelling, kind: BY_FFD_ORDER[i]!, source: 'evotor-api.md §10: evotor/react-native-integration-library (the bridge\'s strings)' }),
  ),
  ...BY_FFD_ORDER.map((kind) => ({ spelling: SETTLEMENT_KINDS[kind].sdkName!, kind, source: 'evotor-api.md §8: INTLIB receipt/position/SettlementMethod.kt (terminal SDK class names)' })),
  ...BY_FFD_ORDER.map((kind, i) => ({ spelling: i + 1, kind, source: 'evotor-api.md §8: FFD tag 1214 values 1..7 (a number or its digits)' })),
];

type Concept = 'FULL' | 'PARTIAL' | 'PREPAY' | 'PRE' | 'ADVANCE' | 'SETTLE' | 'CREDIT' | 'PAY' | 'HANDOVER' | 'FILLER';

/** Words seen in English API enums (YooKassa/Tinkoff/Evotor SDK style) and Russian receipt wording (ФФД print names). */
const WORDS: Record<string, Concept> = {
  full: 'FULL', fully: 'FULL', complete: 'FULL', total: 'FULL', '100': 'FULL',
  partial: 'PARTIAL', partially: 'PARTIAL', partly: 'PARTIAL', part: 'PARTIAL',
  prepayment: 'PREPAY', prepayments: 'PREPAY', prepay: 'PREPAY', prepaid: 'PREPAY',
  advance: 'ADVANCE', advanced: 'ADVANCE',
  settlement: 'SETTLE', settlements: 'SETTLE', settle: 'SETTLE', settled: 'SETTLE',
  credit: 'CREDIT', credits: 'CREDIT', lend: 'CREDIT', lending: 'CREDIT', loan: 'CREDIT',
  // Evotor's "checkout" is the paying (CHECKOUT_FULL, CREDIT_CHECKOUT), its "pass" the handing over (CREDIT_PASS):
  // other spellings of its names (checkout_full, Credit Checkout) read as the names do.
  payment: 'PAY', payments: 'PAY', pay: 'PAY', paid: 'PAY', repayment: 'PAY', repay: 'PAY', checkout: 'PAY',
  transfer: 'HANDOVER', handover: 'HANDOVER', hand: 'HANDOVER', over: 'HANDOVER', transmission: 'HANDOVER', pass: 'HANDOVER',
  and: 'FILLER', of: 'FILLER', on: 'FILLER', in: 'FILLER', with: 'FILLER', the: 'FILLER', to: 'FILLER',
  for: 'FILLER', by: 'FILLER', method: 'FILLER', mode: 'FILLER',
  // Russian (ё read as е).
  предоплата: 'PREPAY', предоплаты: 'PREPAY', предварительная: 'PRE', предварительной: 'PRE',
  полная: 'FULL', полный: 'FULL', полное: 'FULL', полностью: 'FULL', полной: 'FULL',
  частичная: 'PARTIAL', частичный: 'PARTIAL', частичной: 'PARTIAL', частично: 'PARTIAL',
  аванс: 'ADVANCE', расчет: 'SETTLE', расчета: 'SETTLE',
  кредит: 'CREDIT', кредита: 'CREDIT', кредиту: 'CREDIT', кредитом: 'CREDIT',
  оплата: 'PAY', оплаты: 'PAY', оплате: 'PAY', передача: 'HANDOVER', передачи: 'HANDOVER',
  в: 'FILLER', и: 'FILLER', с: 'FILLER', по: 'FILLER',
};
const LONGEST_WORD = Math.max(...Object.keys(WORDS).map((w) => w.length));

/**
 * Readings of the spellings seen so far. A store uses a handful of spellings on millions of lines, and reading one
 * (segmenting glued words) costs microseconds, so each is read once. Bounded: cleared if a payload floods it.
 */
const READ_BEFORE = new Map<string, SettlementInfo>();
const READ_BEFORE_LIMIT = 1000;

/** Reads a settlement value as sent (string, FFD number, or null/undefined when absent). */
export function classifySettlement(raw: string | number | null | undefined): SettlementInfo {
  if (raw === null || raw === undefined) return SETTLEMENT_KINDS.absent;
  if (typeof raw !== 'string') return readSettlement(raw);
  const exact = EVOTOR_NAMES.get(raw);
  if (exact !== undefined) return exact;
  let info = READ_BEFORE.get(raw);
  if (info === undefined) {
    info = readSettlement(raw);
    if (READ_BEFORE.size >= READ_BEFORE_LIMIT) READ_BEFORE.clear();
    READ_BEFORE.set(raw, info);
  }
  return info;
}

function readSettlement(raw: string | number): SettlementInfo {
  const text = String(raw).trim();
  if (text === '') return SETTLEMENT_KINDS.absent;
  const exact = EVOTOR_NAMES.get(text);
  if (exact !== undefined) return exact; // " CHECKOUT_FULL" is still Evotor's name
  if (/^\d+$/.test(text)) return SETTLEMENT_KINDS[BY_FFD_ORDER[Number(text) - 1] ?? 'unknown'];
  const words = segment(text.toLowerCase().replace(/ё/g, 'е').replace(/[^a-zа-я0-9]/g, ''));
  return SETTLEMENT_KINDS[words ? kindOf(words) : 'unknown'];
}

/** Splits glued text into dictionary words with the fewest words; null when some part is no known word. */
function segment(text: string): Concept[] | null {
  if (text === '') return null;
  // best[i]: the shortest word list covering text[0..i).
  const best: (Concept[] | null)[] = [[]];
  for (let end = 1; end <= text.length; end++) {
    best[end] = null;
    for (let start = Math.max(0, end - LONGEST_WORD); start < end; start++) {
      const before = best[start];
      const concept = WORDS[text.slice(start, end)];
      if (before && concept && (best[end] === null || before.length + 1 < best[end]!.length)) best[end] = [...before, concept];
    }
  }
  return best[text.length] ?? null;
}

function kindOf(words: Concept[]): SettlementKind {
  const set = new Set<Concept>(words.filter((w) => w !== 'FILLER'));
  // "предварительная оплата" = prepayment.
  if (set.has('PRE')) {
    if (!set.has('PAY')) return 'unknown';
    set.delete('PRE');
    set.delete('PAY');
    set.add('PREPAY');
  }
  const has = (c: Concept) => set.has(c);
  const only = (...allowed: Concept[]) => [...set].every((c) => allowed.includes(c));

  if (has('PREPAY')) {
    if (!only('PREPAY', 'FULL', 'PARTIAL', 'PAY') || (has('FULL') && has('PARTIAL'))) return 'unknown';
    if (has('FULL')) return 'full_prepayment';
    if (has('PARTIAL')) return 'partial_prepayment';
    return 'prepayment';
  }
  if (has('ADVANCE')) return only('ADVANCE', 'PAY') ? 'advance' : 'unknown';
  if (has('CREDIT')) {
    // "partial settlement and credit", "partial payment and credit": goods handed over, part paid later.
    if (has('PARTIAL')) return only('PARTIAL', 'CREDIT', 'SETTLE', 'PAY') ? 'partial_settlement' : 'unknown';
    // "credit payment", "loan payment", "оплата кредита": pays for goods handed over earlier.
    if (has('PAY')) return only('CREDIT', 'PAY') ? 'credit_payment' : 'unknown';
    // "credit", "lend", "передача в кредит".
    return only('CREDIT', 'HANDOVER') ? 'credit' : 'unknown';
  }
  if (has('PARTIAL')) return only('PARTIAL', 'SETTLE', 'PAY') && (has('SETTLE') || has('PAY')) ? 'partial_settlement' : 'unknown';
  // "full settlement", "full payment" (YooKassa/Tinkoff full_payment = FFD 4), "полный расчёт", a bare "settlement".
  if (has('SETTLE') || (has('PAY') && has('FULL'))) return only('SETTLE', 'PAY', 'FULL') ? 'full_settlement' : 'unknown';
  return 'unknown';
}
