import { parse as parseCsvSync } from 'csv-parse/sync';
import { type BlockCollector, messageOf } from './blocks.ts';
import { TableRows } from './table-rows.ts';
import { KnowledgeError } from './types.ts';

/** The delimiter the first line uses most outside quotes: comma, semicolon or tab. */
function sniffDelimiter(text: string): string {
  const counts: Record<string, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (let i = 0; i < text.length && i < 65_536; i++) {
    const ch = text[i] ?? '';
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && ch in counts) counts[ch] = (counts[ch] ?? 0) + 1;
  }
  const [best] = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  return best && best[1] > 0 ? best[0] : ',';
}

/** Longest CSV record accepted: an unclosed quote would otherwise swallow the rest of the file into one. */
const MAX_RECORD_CHARS = 1_000_000;

/** CSV rows like a sheet's; records are handed over one at a time and never all kept. */
export function parseCsv(text: string, out: BlockCollector) {
  const table = new TableRows(out);
  let failure: unknown;
  try {
    parseCsvSync(text, {
      delimiter: sniffDelimiter(text),
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      max_record_size: MAX_RECORD_CHARS,
      on_record: (record: string[]) => {
        if (failure) return null;
        try {
          table.row(record);
        } catch (err) {
          failure = err;
        }
        return null;
      },
    });
  } catch (err) {
    throw new KnowledgeError(
      'file_format_unsupported',
      `The file could not be read as CSV (${messageOf(err)}).`,
    );
  }
  if (failure) throw failure;
  table.end();
}
