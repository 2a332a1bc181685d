import { cleanup, render } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { milli } from '../../../src/model/quantity.ts';
import { leftPadding, StockChart } from '../../../src/ui/components/StockChart.tsx';
import type { TimelinePoint } from '../../../src/ui/timeline.ts';

afterEach(cleanup);

const point = (n: number, after: number): TimelinePoint => ({
  event: {
    doc: { id: `d${n}`, type: 'SELL', rawType: 'SELL', number: n, closeTime: Date.UTC(2026, 10, n), deviceId: 'T', timeZoneOffset: 0 },
    productId: 'p', rule: 'SELL', decides: true, stockBefore: null, movement: milli(-1000), setTo: null, handled: milli(1000), lines: 1, settlements: [], warnings: [],
  },
  after: milli(after), deciding: false, chainBreak: null,
} as TimelinePoint);

describe('the stock chart (issue 16 item 22)', () => {
  it('leaves room for the longest axis label: «1 169 914» is not cut to «169 914»', () => {
    const { container } = render(<StockChart points={[point(1, 1_169_914_000), point(2, 1_000_000)]} unit="кг" />);
    const ticks = [...container.querySelectorAll('text.chart-tick')];
    const top = ticks.find((t) => t.textContent!.replace(/\s/g, '') === '1169914')!;
    expect(top).toBeTruthy();
    // The label ends at x (text-anchor end) and needs its characters' width to the left of it.
    expect(Number(top.getAttribute('x'))).toBeGreaterThanOrEqual(top.textContent!.length * 6.7);
    expect(leftPadding(['1 169 914'])).toBeGreaterThan(leftPadding(['12']));
  });
});
