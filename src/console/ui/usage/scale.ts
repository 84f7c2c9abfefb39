/** Axis arithmetic for the hand-drawn usage charts (pure, no DOM). */

/** The smallest "nice" number (1, 2, 2.5 or 5 times a power of ten) at or above `max`; 1 for nothing. */
export function niceCeil(max: number): number {
  if (!(max > 0) || !Number.isFinite(max)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * power >= max) return step * power;
  }
  return 10 * power;
}

/** An axis for counts: `count` whole, nice steps from 0 covering `max` (0–4 for nothing). */
export function axis(max: number, count = 4): { top: number; ticks: number[] } {
  const step = Math.max(1, niceCeil(max / count));
  return { top: step * count, ticks: Array.from({ length: count + 1 }, (_, i) => step * i) };
}

/** Compact numbers for axis labels: 950, 1.2k, 3.4M. */
export function compact(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${trim(n / 1e9)}G`;
  if (abs >= 1e6) return `${trim(n / 1e6)}M`;
  if (abs >= 1e3) return `${trim(n / 1e3)}k`;
  return trim(n);
}

const trim = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1).replace(/\.0$/, ''));

/** Every UTC day from `from` to `to` (inclusive of from's day, exclusive of to), as YYYY-MM-DD; ≤ 400. */
export function daysBetween(from: string, to: string): string[] {
  const start = Date.parse(from.slice(0, 10));
  const end = Date.parse(to);
  const days: string[] = [];
  if (!Number.isFinite(start) || !Number.isFinite(end)) return days;
  for (let t = start; t < end && days.length < 400; t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

/** Shortens a label to `max` characters with an ellipsis (the full text goes in a <title>). */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
