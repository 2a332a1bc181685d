/**
 * A store's stored rows read back as the stock core's events: a whole part of the products at once (the final
 * fold), or one product's (its detail). How rows sit in page records stays in this folder (page-rows.ts).
 */
import type { ProductEvent } from '../stock/types.ts';
import type { LocalStore } from './db.ts';
import { PageReader, partOf, WHOLE_PAGE } from './page-rows.ts';

/** One part's page records held compactly (columns), with where each product's rows are. */
export interface PartRows {
  /** A product's rows, record by record in key order (as stored: one per document and page); [] when none. */
  eventsOf(pk: string): ProductEvent[];
}

/** A row's place in a part: record * ROWS_PER_RECORD + row (a page has far fewer lines). */
const ROWS_PER_RECORD = 2 ** 24;

/**
 * Reads one part of a store's page records (`part` undefined: every record, in one scan; WHOLE_PAGE: the records of
 * whole pages, which `alsoIn` adds to each part's). Rows become objects only when eventsOf asks for them, so a
 * product's events die young instead of filling the old generation.
 */
export async function readPartRows(local: LocalStore, storeId: string, part: number | undefined, signal?: AbortSignal): Promise<PartRows> {
  const pages: PageReader[] = [];
  await local.scanPages(storeId, (records) => {
    for (const record of records) pages.push(new PageReader(record));
  }, { ...(part === undefined ? {} : { part }), ...(signal ? { signal } : {}) });
  // Rows are sorted by key within a record, so one lookup per run of a key.
  const where = new Map<string, number[]>();
  pages.forEach((page, record) => {
    for (let i = 0; i < page.rows; ) {
      const pk = page.pk[i]!;
      let refs = where.get(pk);
      if (!refs) where.set(pk, (refs = []));
      for (; i < page.rows && page.pk[i] === pk; i++) refs.push(record * ROWS_PER_RECORD + i);
    }
  });
  return {
    eventsOf: (pk) => (where.get(pk) ?? []).map((ref) => pages[Math.floor(ref / ROWS_PER_RECORD)]!.event(ref % ROWS_PER_RECORD)),
  };
}

/** A part's rows with the whole pages' (read once for every part of a big store's fold). */
export function alsoIn(part: PartRows, wholePages: PartRows): PartRows {
  return { eventsOf: (pk) => [...wholePages.eventsOf(pk), ...part.eventsOf(pk)] };
}

/** One product's stored rows, record by record in key order: whole pages', then its part's, a binary search in each. */
export async function readProductRows(local: LocalStore, storeId: string, pk: string, signal?: AbortSignal): Promise<ProductEvent[]> {
  const events: ProductEvent[] = [];
  for (const part of [WHOLE_PAGE, partOf(pk)]) {
    await local.scanPages(storeId, (records) => {
      for (const record of records) {
        const page = new PageReader(record);
        page.rowsOf(pk, pk, (_pk, i) => events.push(page.event(i)));
      }
    }, { part, ...(signal ? { signal } : {}) });
  }
  return events;
}
