/**
 * The stock computation core: raw Evotor documents in, each product's current stock and the reason out.
 * Imports only zod, src/model and this folder, so it runs unchanged in the browser, in a worker and on Node.
 */
export { computeStock, type ComputeStockInput } from './compute.ts';
export { createStockAccumulator, type StockAccumulator } from './accumulator.ts';
export { toProductEvents, emptySkipCounts } from './events.ts';
export {
  foldProduct, foldLedger, findChainBreaks, guideResult, isAnchor, stockAfter, summariseChainBreaks, type GuideResult, type LedgerResult,
} from './fold.ts';
export { compareDocs, compareEvents, docRef, productKey } from './order.ts';
export { buildCatalogue, type Catalogue, type BuiltCatalogue } from './catalogue.ts';
export { RULES, LINE_RULES, ruleForType, ruleById, type Rule, type Effect } from './rules.ts';
export { classifySettlement, EVOTOR_NAMES, OTHER_SPELLINGS, SETTLEMENT_KINDS, type Handover, type SettlementInfo } from './settlement.ts';
export { explainProduct, explainEvent, describeWarning, documentTypeName, formatDocTitle, formatDocTime, type ExplainOptions, type Lang } from './explain.ts';
export type {
  ChainBreak,
  ChainBreakSummary,
  CompleteInventoryRecord,
  DocRef,
  DocumentEvents,
  ProductEvent,
  ProductStatus,
  ProductStock,
  QuarantinedDocumentReport,
  RuleId,
  SettlementKind,
  SettlementNote,
  SkipCounts,
  StockCounts,
  StockResult,
  UnknownProduct,
  Warning,
  WarningCode,
} from './types.ts';
