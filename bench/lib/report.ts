import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { root } from './processes.ts';

export interface Row {
  workload: string;
  figure: number;
  unit: string;
  /** The minimal proxy's and Portkey's figure for the same workload, where one exists. */
  proxy?: number | undefined;
  portkey?: number | undefined;
  target?: string;
  met?: boolean;
  lowerIsBetter?: boolean;
  note?: string;
}

const fmt = (n: number | undefined, unit = '') =>
  n === undefined || Number.isNaN(n)
    ? '—'
    : `${n >= 100 || Number.isInteger(n) ? Math.round(n).toLocaleString('en-US') : n.toFixed(2)}${unit ? ` ${unit}` : ''}`;
const ratio = (a: number, b: number | undefined) =>
  b === undefined || !b || Number.isNaN(b) ? '—' : `${(a / b).toFixed(2)}×`;

/** CPU time counters of the whole machine (/proc/stat), to tell how much the hypervisor took away. */
export function cpuCounters(): { steal: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
    return { steal: ticks[7] ?? 0, total: ticks.reduce((a, b) => a + b, 0) };
  } catch {
    return { steal: 0, total: 0 };
  }
}

export function render(
  rows: Row[],
  meta: { quick: boolean; bigStore: number; stealShare: number | undefined },
): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    '# personakit benchmark results',
    '',
    `Machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${process.platform}.`,
    `Run: ${new Date().toISOString()}${meta.quick ? ' (QUICK smoke run, not representative)' : ''}. Load from a separate process (autocannon; µs timings from an undici client); figures compared with each other are measured round-robin (5 runs of 4 s each after a warm-up) and each is its median run.`,
    ...(meta.stealShare === undefined
      ? []
      : [
          '',
          `CPU steal during the run (time the hypervisor gave to other machines): ${(meta.stealShare * 100).toFixed(1)}% of this machine's CPU time. Figures of a run with high steal are low and vary more.`,
        ]),
    '',
    '| workload | figure | vs minimal proxy | vs Portkey | target | met |',
    '| --- | ---: | ---: | ---: | --- | --- |',
  ];
  for (const r of rows) {
    const met = r.met === undefined ? '' : r.met ? 'yes' : '**no**';
    lines.push(
      `| ${r.workload} | ${fmt(r.figure, r.unit)} | ${ratio(r.figure, r.proxy)} | ${ratio(r.figure, r.portkey)} | ${r.target ?? ''}${r.note ? ` (${r.note})` : ''} | ${met} |`,
    );
  }
  return lines.join('\n');
}

/**
 * Puts a section (`## …` heading and its body) into bench/RESULTS.md, replacing the one with the same
 * heading, else appending it: the main bench rewrites the file from its own rows, so the sections run
 * after it (or alone) replace only their own part.
 */
export function replaceResultsSection(heading: string, md: string): void {
  const file = join(root, 'bench', 'RESULTS.md');
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const start = current.indexOf(heading);
  let next = start < 0 ? -1 : current.indexOf('\n## ', start + heading.length);
  if (next >= 0) next += 1;
  const before = start < 0 ? current.trimEnd() : current.slice(0, start).trimEnd();
  const after = next < 0 ? '' : `\n${current.slice(next)}`;
  writeFileSync(file, `${before}\n\n${md.trimEnd()}\n${after}`);
}
