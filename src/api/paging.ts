/**
 * The guard of every cursor listing (stores, devices, products, documents): a cloud whose `next_cursor` points back
 * to a page already read (A → B → A, or a page to itself) would keep a listing fetching forever, and one that hands
 * out new cursors without end would too. `CursorTrail` remembers every cursor of one listing and counts its pages;
 * either fault ends the listing with a typed `paging-loop` error (the UI says the cloud paged in a circle).
 */
import { ApiError } from './api-error.ts';

/**
 * Pages one listing may take. Far above any real store (a page holds tens to thousands of items), low enough that
 * a cloud paging without end is stopped within minutes.
 */
export const MAX_PAGES: Record<'listStores' | 'listDevices' | 'listProducts' | 'listDocuments', number> = {
  listStores: 1_000,
  listDevices: 1_000,
  listProducts: 20_000,
  /** Per query window (a month of the pull, the span the write guard reads). */
  listDocuments: 100_000,
};

export type ListingOperation = keyof typeof MAX_PAGES;

/** How many of a listing's latest cursors a checkpoint keeps (src/local CheckpointRecord.recentCursors). */
export const RECENT_CURSORS = 16;

/** The latest cursors after `cursor`, for the next checkpoint. */
export function recentCursors(before: readonly string[] | undefined, cursor: string | null): string[] {
  const recent = [...(before ?? [])];
  if (cursor !== null) recent.push(cursor);
  return recent.slice(-RECENT_CURSORS);
}

export class CursorTrail {
  private readonly seen = new Set<string>();
  private pages: number;

  /**
   * `pagesBefore`: pages of this listing read before (a resumed month keeps its count, so the limit holds across
   * reloads); `seen`: cursors of it met before (the cursor it resumes at, and the checkpoint's recent ones).
   */
  constructor(
    private readonly operation: ListingOperation,
    options: { pagesBefore?: number; seen?: readonly (string | null)[]; maxPages?: number } = {},
  ) {
    this.pages = options.pagesBefore ?? 0;
    this.maxPages = options.maxPages ?? MAX_PAGES[operation];
    for (const cursor of options.seen ?? []) if (cursor) this.seen.add(cursor);
  }

  private readonly maxPages: number;

  /** After each page, with its next cursor: returns it, or throws when it was met before or the pages run out. */
  next(cursor: string | null): string | null {
    this.pages += 1;
    if (cursor === null) return null;
    if (this.seen.has(cursor)) throw pagingLoop(this.operation, this.pages, 'cycle');
    if (this.pages >= this.maxPages) throw pagingLoop(this.operation, this.pages, 'limit');
    this.seen.add(cursor);
    return cursor;
  }
}

function pagingLoop(operation: ListingOperation, pages: number, why: 'cycle' | 'limit'): ApiError {
  return new ApiError({
    code: 'paging-loop', operation, params: { pages, why },
    message: why === 'cycle'
      ? `${operation}: after ${pages} page(s) the cloud handed back a cursor it had already given; paging would never end`
      : `${operation}: the cloud was still paging after ${pages} pages, more than any real listing has`,
  });
}
