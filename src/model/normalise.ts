/**
 * The boundary: raw V2 / V1 payloads in, the internal model (types.ts) out. Nothing here throws on bad input:
 * a document that fails validation is returned as quarantined with a readable reason and the product ids we could
 * still find in it, so the computation can flag those products instead of silently trusting other documents.
 *
 * Two paths give one answer: the fast path (normalise-fast.ts, the schemas' rules by hand) for the payloads it is
 * sure of, the reference path (normalise-zod.ts, the zod schemas) for everything else; both build with
 * normalise-shared.ts.
 */
import { fastV1Document, fastV1Product, fastV2Document, fastV2Product } from './normalise-fast.ts';
import type { NormaliseDocumentResult, NormaliseProductResult } from './normalise-shared.ts';
import { normaliseDocumentWithZod, normaliseProductWithZod } from './normalise-zod.ts';
import type { ApiVersion, NormalisedDocument } from './types.ts';

export type { NormaliseDocumentResult, NormaliseProductResult, QuarantinedWithProducts } from './normalise-shared.ts';
export { normaliseDocumentWithZod, normaliseProductWithZod } from './normalise-zod.ts';

/**
 * Validates and normalises one raw document. Payloads are first checked by hand (the fast path: field by field the
 * zod schemas' rules, 5-8× cheaper, test/bench/normalise.bench.ts); anything the hand check does not accept, for
 * whatever reason, goes through the zod schemas, which decide and word the quarantine reason. So the result is
 * always exactly normaliseDocumentWithZod's; test/unit/model/fast-path.test.ts checks that on random and mutated
 * payloads.
 */
export function normaliseDocument(raw: unknown, api: ApiVersion): NormaliseDocumentResult {
  let doc: NormalisedDocument | null;
  try {
    doc = api === 'v2' ? fastV2Document(raw) : fastV1Document(raw);
  } catch {
    doc = null; // a payload whose fields throw: the zod path reads it again and reports it
  }
  return doc !== null ? { ok: true, doc } : normaliseDocumentWithZod(raw, api);
}

/** Validates and normalises one raw product, the same way: the fast path, else the zod path decides. */
export function normaliseProduct(raw: unknown, api: ApiVersion): NormaliseProductResult {
  try {
    const fast = api === 'v2' ? fastV2Product(raw) : fastV1Product(raw);
    if (fast !== null) return fast;
  } catch {
    // a payload whose fields throw: the zod path below reads it again and reports it
  }
  return normaliseProductWithZod(raw, api);
}
