/**
 * Settlement method (признак способа расчёта, 54-ФЗ tag 1214): did this receipt line hand goods over?
 * The cloud's spelling is unknown (shared/docs/evotor-api.md §8 [?]), so a value is read as a SET OF WORDS, in any
 * order, case and separator: FULL_PREPAYMENT, PREPAYMENT_FULL, FullPrepayment, full-prepayment, fullprepayment,
 * "ПРЕДОПЛАТА 100%" are one thing. A plain string compare would confuse PARTIAL_PREPAYMENT (no goods) with
 * PARTIAL_SETTLEMENT (goods) and CREDIT (goods) with CREDIT_PAYMENT (no goods). FFD codes 1..7 are accepted too.
 * A value we cannot read moves goods (the safe default for a sale) and is reported by its caller.
 */
import type { SettlementKind } from './types.ts';

export interface SettlementInfo {
  kind: SettlementKind;
  /** FFD tag 1214 value, when the kind has one. */
  ffd: number | null;
  /** Evotor terminal SDK name (INTLIB SettlementMethod.kt). */
  evotorName: string | null;
  /** Whether goods change hands, so stock moves. */
  moves: boolean;
  ru: string;
  en: string;
}

/** One row per kind. `moves` follows the legal wording: "до момента передачи" / "в момент передачи" / "после передачи". */
export const SETTLEMENT_KINDS: Record<SettlementKind, SettlementInfo> = {
  full_prepayment: { kind: 'full_prepayment', ffd: 1, evotorName: 'FullPrepayment', moves: false, ru: 'предоплата 100%', en: 'full prepayment' },
  partial_prepayment: { kind: 'partial_prepayment', ffd: 2, evotorName: 'PartialPrepayment', moves: false, ru: 'частичная предоплата', en: 'partial prepayment' },
  prepayment: { kind: 'prepayment', ffd: null, evotorName: null, moves: false, ru: 'предоплата', en: 'prepayment' },
  advance: { kind: 'advance', ffd: 3, evotorName: 'AdvancePayment', moves: false, ru: 'аванс', en: 'advance' },
  full_settlement: { kind: 'full_settlement', ffd: 4, evotorName: 'FullSettlement', moves: true, ru: 'полный расчёт', en: 'full settlement' },
  partial_settlement: { kind: 'partial_settlement', ffd: 5, evotorName: 'PartialSettlement', moves: true, ru: 'частичный расчёт и кредит', en: 'partial settlement and credit' },
  credit: { kind: 'credit', ffd: 6, evotorName: 'Lend', moves: true, ru: 'передача в кредит', en: 'credit (handover on credit)' },
  credit_payment: { kind: 'credit_payment', ffd: 7, evotorName: 'LoanPayment', moves: false, ru: 'оплата кредита', en: 'credit payment' },
  // Absent: an ordinary receipt, i.e. full settlement (the field did not exist before FFD 1.05; JSDK 2018 has none).
  absent: { kind: 'absent', ffd: null, evotorName: null, moves: true, ru: 'полный расчёт', en: 'full settlement' },
  // Unknown: a sale most likely handed goods over; counting it keeps stock from drifting up, and it is flagged.
  unknown: { kind: 'unknown', ffd: null, evotorName: null, moves: true, ru: 'неизвестный признак расчёта', en: 'unknown settlement method' },
};

const BY_FFD: SettlementKind[] = ['unknown', 'full_prepayment', 'partial_prepayment', 'advance', 'full_settlement', 'partial_settlement', 'credit', 'credit_payment'];

type Concept = 'FULL' | 'PARTIAL' | 'PREPAY' | 'PRE' | 'ADVANCE' | 'SETTLE' | 'CREDIT' | 'PAY' | 'HANDOVER' | 'FILLER';

/** Words seen in English API enums (YooKassa/Tinkoff/Evotor SDK style) and Russian receipt wording (ФФД print names). */
const WORDS: Record<string, Concept> = {
  full: 'FULL', fully: 'FULL', complete: 'FULL', total: 'FULL', '100': 'FULL',
  partial: 'PARTIAL', partially: 'PARTIAL', partly: 'PARTIAL', part: 'PARTIAL',
  prepayment: 'PREPAY', prepayments: 'PREPAY', prepay: 'PREPAY', prepaid: 'PREPAY',
  advance: 'ADVANCE', advanced: 'ADVANCE',
  settlement: 'SETTLE', settlements: 'SETTLE', settle: 'SETTLE', settled: 'SETTLE',
  credit: 'CREDIT', credits: 'CREDIT', lend: 'CREDIT', lending: 'CREDIT', loan: 'CREDIT',
  payment: 'PAY', payments: 'PAY', pay: 'PAY', paid: 'PAY', repayment: 'PAY', repay: 'PAY',
  transfer: 'HANDOVER', handover: 'HANDOVER', hand: 'HANDOVER', over: 'HANDOVER', transmission: 'HANDOVER',
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
  if (/^\d+$/.test(text)) return SETTLEMENT_KINDS[BY_FFD[Number(text)] ?? 'unknown'];
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
