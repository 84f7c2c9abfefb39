import { ChartFrame } from './chart-frame.tsx';
import type { ChartRow } from './data-table.tsx';
import { axis, clip, compact } from './scale.ts';
import { useWidth } from './use-width.ts';

/**
 * Horizontal bars, largest first: usage by persona or by model. Long names are clipped in the drawing
 * (the whole name is in each bar's <title> and in the table). Hand-drawn SVG, like day-chart.tsx.
 */

const ROW = 26;
const VALUE_W = 56;
const MAX_BARS = 12;

export function BreakdownChart({
  title,
  description,
  labelHeader,
  unit,
  rows,
}: {
  title: string;
  description: string;
  labelHeader: string;
  unit: string;
  rows: readonly ChartRow[];
}) {
  const [ref, W] = useWidth<HTMLElement>(640, 768);
  // Names take about a third of the width; ~7px a character at 12px.
  const LABEL_W = Math.min(220, Math.round(W * 0.36));
  const chars = Math.max(8, Math.floor((LABEL_W - 8) / 7));
  const sorted = [...rows].sort((a, b) => b.value - a.value);
  // The drawing shows the largest groups; the table keeps every one.
  const shown = sorted.slice(0, MAX_BARS);
  const { top } = axis(Math.max(0, ...shown.map((r) => r.value)));
  const barArea = W - LABEL_W - VALUE_W;
  const H = Math.max(1, shown.length) * ROW + 8;
  return (
    <ChartFrame
      frameRef={ref}
      width={W}
      height={H}
      title={title}
      description={
        sorted.length > MAX_BARS
          ? `${description} The ${MAX_BARS} largest of ${sorted.length} are drawn.`
          : description
      }
      table={{ labelHeader, valueHeader: unit, rows: sorted }}
    >
      {shown.length === 0 && (
        <text x={W / 2} y={ROW - 6} text-anchor="middle" class="chart-axis" fill="currentColor">
          No usage in this range
        </text>
      )}
      {shown.map((r, i) => {
        const y = 4 + i * ROW;
        const w = Math.max(r.value > 0 ? 1 : 0, (r.value / top) * barArea);
        return (
          <g key={r.label + (r.detail ?? '')}>
            <title>{`${r.label}: ${r.value.toLocaleString('en-US')} ${unit}`}</title>
            <text
              x={LABEL_W - 8}
              y={y + ROW / 2 + 4}
              text-anchor="end"
              class="chart-label"
              fill="currentColor"
            >
              {clip(r.label, chars)}
            </text>
            <rect x={LABEL_W} y={y + 4} width={w} height={ROW - 8} class="chart-bar" fill="#1f5fbf" />
            <text x={LABEL_W + w + 6} y={y + ROW / 2 + 4} class="chart-axis" fill="currentColor">
              {compact(r.value)}
            </text>
          </g>
        );
      })}
    </ChartFrame>
  );
}
