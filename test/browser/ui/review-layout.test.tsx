/**
 * The review screen in real Chromium layout at the iframe's minimum width: the measured viewport drives the virtual
 * window, 50,000 rows stay smooth to scroll and sort, and nothing overflows 800 px.
 */
// Plain preact render and DOM queries: @testing-library/preact would load a second copy of preact here (the browser
// project pre-bundles preact but not the testing library), and hooks break across copies.
import { render } from 'preact';
import { afterEach, describe, expect, it } from 'vitest';
import { page } from 'vitest/browser';
import { AppView } from '../../../src/ui/App.tsx';
import { createAppState, type AppState } from '../../../src/ui/state/index.ts';
import '../../../src/ui/styles.css';
import { MemoryBackend, manyRows, store } from '../../unit/ui/memory-backend.ts';

let state: AppState | null = null;
let host: HTMLElement | null = null;
afterEach(() => {
  if (host) render(null, host);
  host?.remove();
  state?.dispose();
});

const dataRows = (grid: Element) => [...grid.querySelectorAll('[role="row"]')].filter((r) => r.getAttribute('aria-rowindex') !== '1');

const nextFrame = () => new Promise((r) => requestAnimationFrame(() => r(null)));

describe('review at 800 px in Chromium', () => {
  it('renders only what the measured viewport shows, scrolls and sorts 50,000 rows quickly, and fits 800 px', async () => {
    await page.viewport(800, 760);
    const backend = new MemoryBackend();
    backend.stores = [store('s1', 'Магазин на Ленина'), store('s2', 'Магазин на Мира')];
    backend.rows.set('s1', manyRows('s1', 25_000));
    backend.rows.set('s2', manyRows('s2', 25_000));
    state = createAppState(backend);
    await state.init();
    const t0 = performance.now();
    await state.openReview(['s1', 's2']);
    host = document.createElement('div');
    document.body.appendChild(host);
    render(<AppView state={state} />, host);
    await nextFrame();
    const grid = host.querySelector<HTMLElement>('[role="grid"]')!;
    const prepared = performance.now() - t0;

    const rowsInDom = () => dataRows(grid).length;
    const viewport = grid.clientHeight;
    expect(viewport).toBeGreaterThan(200);
    // Visible rows plus overscan, never thousands.
    expect(rowsInDom()).toBeLessThanOrEqual(Math.ceil(viewport / 48) + 14);
    expect(grid.getAttribute('aria-rowcount')).toBe('50001');

    // No horizontal overflow of the page at 800 px.
    expect(document.documentElement.scrollWidth).toBeLessThanOrEqual(800);

    // Scroll to the middle: the rows there are rendered and placed inside the viewport.
    grid.scrollTop = 48 * 25_000;
    grid.dispatchEvent(new Event('scroll'));
    await nextFrame();
    await nextFrame();
    const visible = dataRows(grid);
    const gridBox = grid.getBoundingClientRect();
    const inView = visible.filter((r) => {
      const box = r.getBoundingClientRect();
      return box.bottom > gridBox.top + 40 && box.top < gridBox.bottom;
    });
    expect(inView.length).toBeGreaterThan(3);
    expect(Number(inView[0]!.getAttribute('aria-rowindex'))).toBeGreaterThan(24_990);

    // Sorting 50,000 rows by name takes well under a second.
    const s0 = performance.now();
    const header = [...grid.querySelectorAll('[role="columnheader"]')].find((h) => h.textContent?.startsWith('Товар'))!;
    header.querySelector('button')!.click();
    await nextFrame();
    expect(header.getAttribute('aria-sort')).toBe('ascending');
    const sortMs = performance.now() - s0;
    expect(sortMs).toBeLessThan(1000);
    expect(prepared).toBeLessThan(5000);
  });
});
