/**
 * A small inline SVG of the reconstructed stock after each document (a step line over time), with chain breaks
 * marked in red and the deciding document ringed. Quantities become pixels only here (display, not arithmetic).
 */
import type { Milli } from '../../model/quantity.ts';
import { formatDate, formatQty, t } from '../i18n.ts';
import type { TimelinePoint } from '../timeline.ts';
import { breakText, docLabel } from '../docs.ts';

export interface StockChartProps {
  points: readonly TimelinePoint[];
  unit: string | null;
  width?: number;
  height?: number;
}

const PAD = { right: 12, top: 10, bottom: 22 };
/** The axis labels' font (styles.css .chart-tick, 11px) is at most this wide per character, digits and spaces. */
const TICK_CHAR_WIDTH = 6.7;

/** Room left of the plot for the longest axis label, so «1 169 914» is never cut to «169 914». */
export function leftPadding(labels: readonly string[]): number {
  const longest = Math.max(1, ...labels.map((l) => l.length));
  return Math.ceil(longest * TICK_CHAR_WIDTH) + 10;
}

export function StockChart({ points, unit, width = 560, height = 160 }: StockChartProps) {
  const known = points.filter((p) => p.after !== null);
  if (known.length === 0) return <p class="muted">{t('detail.chartEmpty')}</p>;
  const times = points.map((p) => p.event.doc.closeTime);
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const values = known.map((p) => p.after as number);
  let lo = Math.min(0, ...values);
  let hi = Math.max(...values);
  if (hi === lo) hi = lo + 1000;
  const hiLabel = formatQty(hi as Milli, null);
  const loLabel = lo < 0 ? formatQty(lo as Milli, null) : null;
  const PAD_LEFT = leftPadding([hiLabel, '0', loLabel ?? '']);
  const x = (time: number) => PAD_LEFT + (t1 === t0 ? 0.5 : (time - t0) / (t1 - t0)) * (width - PAD_LEFT - PAD.right);
  const y = (v: number) => PAD.top + (1 - (v - lo) / (hi - lo)) * (height - PAD.top - PAD.bottom);

  // Step path: horizontal until the next document, then vertical to its value; a gap where the stock is unknown.
  let d = '';
  let prev: { x: number; y: number } | null = null;
  for (const p of points) {
    if (p.after === null) {
      prev = null;
      continue;
    }
    const px = x(p.event.doc.closeTime);
    const py = y(p.after);
    d += prev === null ? `M${px.toFixed(1)},${py.toFixed(1)}` : `H${px.toFixed(1)}V${py.toFixed(1)}`;
    prev = { x: px, y: py };
  }
  if (prev !== null) d += `H${(width - PAD.right).toFixed(1)}`;

  const breaks = points.filter((p) => p.chainBreak !== null);
  const summary = t('detail.chartLabel', {
    min: formatQty(Math.min(...values), unit),
    max: formatQty(Math.max(...values), unit),
    documents: points.length,
    breaks: breaks.length,
  });
  const zeroY = y(0);
  return (
    <svg class="chart" viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={summary}>
      <title>{summary}</title>
      <line class="chart-axis" x1={PAD_LEFT} x2={width - PAD.right} y1={zeroY} y2={zeroY} />
      <text class="chart-tick" x={PAD_LEFT - 6} y={y(hi) + 4} text-anchor="end">
        {hiLabel}
      </text>
      <text class="chart-tick" x={PAD_LEFT - 6} y={zeroY + 4} text-anchor="end">
        0
      </text>
      {lo < 0 && (
        <text class="chart-tick" x={PAD_LEFT - 6} y={y(lo) + 4} text-anchor="end">
          {loLabel}
        </text>
      )}
      {breaks.map((p) => {
        const bx = x(p.event.doc.closeTime);
        return (
          <g key={`b-${p.event.doc.id}`} class="chart-break">
            <line x1={bx} x2={bx} y1={PAD.top} y2={height - PAD.bottom} />
            <title>{breakText(p.chainBreak!, unit)}</title>
          </g>
        );
      })}
      <path class="chart-line" d={d} />
      {points.map((p) =>
        p.after === null ? null : (
          <circle key={p.event.doc.id} class={p.deciding ? 'chart-dot deciding' : 'chart-dot'} cx={x(p.event.doc.closeTime)} cy={y(p.after)} r={p.deciding ? 4.5 : 2.5}>
            <title>{`${docLabel(p.event.doc)}: ${formatQty(p.after, unit)}`}</title>
          </circle>
        ),
      )}
      <text class="chart-tick" x={PAD_LEFT} y={height - 6}>
        {formatDate(t0, points[0]!.event.doc.timeZoneOffset)}
      </text>
      <text class="chart-tick" x={width - PAD.right} y={height - 6} text-anchor="end">
        {formatDate(t1, points[points.length - 1]!.event.doc.timeZoneOffset)}
      </text>
    </svg>
  );
}
