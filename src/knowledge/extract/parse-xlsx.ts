import ExcelJS from 'exceljs';
import { type BlockCollector, messageOf } from './blocks.ts';
import { TableRows } from './table-rows.ts';
import { KnowledgeError } from './types.ts';

/** A cell's shown value as text: rich text joined, a formula's result, a hyperlink's text, dates as ISO days. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) {
    const iso = value.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  if (typeof value !== 'object') return String(value);
  const v = value as { richText?: { text: string }[]; result?: unknown; text?: unknown; error?: unknown };
  if (Array.isArray(v.richText)) return v.richText.map((r) => r.text).join('');
  if ('result' in v) return cellText(v.result);
  if (v.text !== undefined) return cellText(v.text);
  if (v.error !== undefined) return '';
  return '';
}

/** Every worksheet, in workbook order; blocks carry the sheet's name, which is also their heading. */
export async function parseXlsx(bytes: Uint8Array, out: BlockCollector) {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as ArrayBuffer,
    );
  } catch (err) {
    throw new KnowledgeError(
      'file_format_unsupported',
      `The file could not be read as an Excel workbook: it is damaged or truncated (${messageOf(err)}).`,
    );
  }
  for (const sheet of workbook.worksheets) {
    out.resetHeadings();
    out.position = { sheet: sheet.name };
    out.heading(sheet.name, 1);
    const table = new TableRows(out);
    for (let r = 1; r <= sheet.rowCount; r++) {
      const row = sheet.getRow(r);
      const cells: string[] = [];
      for (let c = 1; c <= row.cellCount; c++) cells.push(cellText(row.getCell(c).value));
      table.row(cells);
    }
    table.end();
  }
}
