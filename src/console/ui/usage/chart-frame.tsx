import type { ComponentChildren, Ref } from 'preact';
import { useId } from 'preact/hooks';
import { type ChartRow, ChartTable } from './data-table.tsx';

/**
 * What every usage chart is around its bars: a figure with a visible title, an SVG that names and
 * describes itself for screen readers, and the same numbers as a table (the charts' accessible fallback).
 */
export function ChartFrame({
  frameRef,
  width,
  height,
  title,
  description,
  table,
  children,
}: {
  frameRef: Ref<HTMLElement>;
  width: number;
  height: number;
  title: string;
  description: string;
  table: { labelHeader: string; valueHeader: string; rows: readonly ChartRow[] };
  children: ComponentChildren;
}) {
  const id = useId();
  return (
    <figure class="chart" ref={frameRef}>
      {/* The visible title; the drawing names itself (its <title>), so this is not read twice. */}
      <figcaption class="chart-title" aria-hidden="true">
        {title}
      </figcaption>
      <svg
        viewBox={`0 0 ${width} ${height}`}
        width={width}
        height={height}
        role="img"
        aria-labelledby={`${id}-t`}
        aria-describedby={`${id}-d`}
        class="chart-svg"
      >
        <title id={`${id}-t`}>{title}</title>
        <desc id={`${id}-d`}>{description}</desc>
        {children}
      </svg>
      <ChartTable caption={title} {...table} />
    </figure>
  );
}
