import type { BlockCollector } from './blocks.ts';

/** Header: value; … — the same row text XLSX and CSV give, so a table reads the same from any format. */
export function rowText(header: string[], cells: string[]): string {
  const parts: string[] = [];
  cells.forEach((cell, i) => {
    if (cell.trim() === '') return;
    const name = header[i]?.trim();
    parts.push(name ? `${name}: ${cell.trim()}` : cell.trim());
  });
  return parts.join('; ');
}

/** Rows of one table: the first non-empty row names the columns; each later row is one table-row block. */
export class TableRows {
  private header: string[] | undefined;
  private rows = 0;
  private readonly out: BlockCollector;
  constructor(out: BlockCollector) {
    this.out = out;
  }
  row(cells: string[]) {
    if (cells.every((c) => c.trim() === '')) return;
    if (!this.header) this.header = cells;
    else {
      this.rows++;
      this.out.add('table-row', rowText(this.header, cells));
    }
  }
  /** A table of one row has no columns to name: its values are the row. */
  end() {
    if (this.header && this.rows === 0) this.out.add('table-row', rowText([], this.header));
  }
}
