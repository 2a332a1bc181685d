/**
 * A fixed-row-height virtual window: only the rows in view (plus a few) are rendered, so a table of 50,000 products
 * scrolls as smoothly as one of 50. The scroll container holds a spacer of the full height; rows are positioned
 * absolutely. `visibleRange` is pure and tested; the hook measures the viewport (ResizeObserver when present).
 */
import { useCallback, useLayoutEffect, useRef, useState } from 'preact/hooks';

export interface Range {
  /** First rendered index (inclusive) and last (exclusive). */
  start: number;
  end: number;
}

export function visibleRange(scrollTop: number, viewport: number, rowHeight: number, count: number, overscan: number): Range {
  if (count === 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const inView = Math.ceil(Math.max(0, viewport) / rowHeight) + 1;
  const start = Math.max(0, Math.min(count - 1, first) - overscan);
  const end = Math.min(count, first + inView + overscan);
  return { start, end };
}

export interface VirtualOptions {
  rowHeight: number;
  /** Height taken at the top of the scroll container by a sticky header. */
  headerHeight?: number;
  overscan?: number;
  /** Viewport height used until (or when) it cannot be measured, e.g. in jsdom. */
  fallbackHeight?: number;
}

export function useVirtualRows(count: number, o: VirtualOptions) {
  const { rowHeight, headerHeight = 0, overscan = 6, fallbackHeight = 560 } = o;
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(fallbackHeight);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setHeight(el.clientHeight > 0 ? el.clientHeight : fallbackHeight);
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [fallbackHeight]);

  const onScroll = useCallback(() => {
    if (ref.current) setScrollTop(ref.current.scrollTop);
  }, []);

  const body = Math.max(rowHeight, height - headerHeight);
  const range = visibleRange(scrollTop, body, rowHeight, count, overscan);

  /** Scrolls just enough to show row `index` (keyboard navigation). */
  const scrollToIndex = useCallback(
    (index: number) => {
      const el = ref.current;
      if (!el) return;
      const top = index * rowHeight;
      let next = el.scrollTop;
      if (top < next) next = top;
      else if (top + rowHeight > next + body) next = top + rowHeight - body;
      if (next !== el.scrollTop) {
        el.scrollTop = next;
        setScrollTop(next);
      }
    },
    [rowHeight, body],
  );

  return { ref, range, onScroll, scrollToIndex, pageSize: Math.max(1, Math.floor(body / rowHeight)), totalHeight: count * rowHeight };
}
