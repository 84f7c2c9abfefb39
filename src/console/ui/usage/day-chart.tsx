import { ChartFrame } from './chart-frame.tsx';
import type { ChartRow } from './data-table.tsx';
import { axis, compact } from './scale.ts';
import { useWidth } from './use-width.ts';

/**
 * A vertical bar per UTC day, drawn as SVG by hand (docs/adr/0050-console-charts-and-live-transcript.md): role="img"
 * with a <title> and <desc>, a <title> per bar for the pointer, and the same numbers as a table.
 * Only presentation attributes, no inline style, so the console's CSP (style-src 'self') holds.
 */

const H = 220;
const M = { top: 12, right: 8, bottom: 28, left: 44 };

export function DayChart({
  title,
  description,
  unit,
  rows,
}: {
  title: string;
  description: string;
  /** e.g. "requests": in the per-bar titles and the table header. */
  unit: string;
  /** One row per day, oldest first; label is YYYY-MM-DD. */
  rows: readonly ChartRow[];
}) {
  const [ref, W] = useWidth<HTMLElement>(640, 960);
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const { top, ticks } = axis(Math.max(0, ...rows.map((r) => r.value)));
  const slot = rows.length > 0 ? plotW / rows.length : plotW;
  const barW = Math.max(1, slot * 0.72);
  // Day labels (~40px each) as many as fit, evenly spread.
  const every = Math.max(1, Math.ceil(rows.length / Math.max(2, Math.floor(plotW / 44))));
  const y = (v: number) => M.top + plotH - (v / top) * plotH;
  return (
    <ChartFrame
      frameRef={ref}
      width={W}
      height={H}
      title={title}
      description={description}
      table={{ labelHeader: 'Day (UTC)', valueHeader: unit, rows }}
    >
      {ticks.map((t) => (
        <g key={t}>
          <line x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} class="chart-grid" stroke="#d0d0d0" />
          <text x={M.left - 6} y={y(t) + 4} text-anchor="end" class="chart-axis" fill="currentColor">
            {compact(t)}
          </text>
        </g>
      ))}
      {rows.map((r, i) => {
        const x = M.left + i * slot + (slot - barW) / 2;
        const h = Math.max(r.value > 0 ? 1 : 0, (r.value / top) * plotH);
        return (
          <g key={r.label}>
            <rect x={x} y={M.top + plotH - h} width={barW} height={h} class="chart-bar" fill="#1f5fbf">
              <title>{`${r.label}: ${r.value.toLocaleString('en-US')} ${unit}`}</title>
            </rect>
            {i % every === 0 && (
              <text x={x + barW / 2} y={H - 8} text-anchor="middle" class="chart-axis" fill="currentColor">
                {r.label.slice(5)}
              </text>
            )}
          </g>
        );
      })}
    </ChartFrame>
  );
}
