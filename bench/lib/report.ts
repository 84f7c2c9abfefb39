import { cpus, totalmem } from 'node:os';

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
    : `${n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2)}${unit ? ` ${unit}` : ''}`;
const ratio = (a: number, b: number | undefined) =>
  b === undefined || !b || Number.isNaN(b) ? '—' : `${(a / b).toFixed(2)}×`;

export function render(rows: Row[], meta: { quick: boolean; bigStore: number }): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    '# personakit benchmark results',
    '',
    `Machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${process.platform}.`,
    `Run: ${new Date().toISOString()}${meta.quick ? ' (QUICK smoke run, not representative)' : ''}. Load from a separate process (autocannon; µs timings from an undici client); medians of runs.`,
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
