import { randomBytes } from 'node:crypto';

/**
 * A PDF for the ingestion bench: one page per entry of `pages`, each page's lines drawn top-down in
 * Helvetica (Latin-1 only; other characters become '?'). With `imageBytesPerPage`, each page also carries
 * an image of that many incompressible bytes (as scanned figures do), which pdf.js' text extraction loads
 * but never decodes: a large file with a realistic amount of text.
 */
export function benchPdf(pages: string[][], imageBytesPerPage = 0): Buffer {
  const parts: Buffer[] = [];
  const offsets: number[] = [];
  let size = 0;
  const push = (b: Buffer) => {
    parts.push(b);
    size += b.length;
  };
  // Objects: 1 catalog, 2 pages, 3 font, then per page: content, page, (image).
  const perPage = imageBytesPerPage > 0 ? 3 : 2;
  const total = 3 + pages.length * perPage;
  const obj = (n: number, body: Buffer | string, stream?: Buffer) => {
    offsets[n] = size;
    push(Buffer.from(`${n} 0 obj\n`, 'latin1'));
    push(typeof body === 'string' ? Buffer.from(body, 'latin1') : body);
    if (stream) {
      push(Buffer.from('\nstream\n', 'latin1'));
      push(stream);
      push(Buffer.from('\nendstream', 'latin1'));
    }
    push(Buffer.from('\nendobj\n', 'latin1'));
  };
  push(Buffer.from('%PDF-1.4\n', 'latin1'));
  const kids = pages.map((_, i) => 3 + i * perPage + 2);
  obj(1, '<< /Type /Catalog /Pages 2 0 R >>');
  obj(2, `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${pages.length} >>`);
  obj(3, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  pages.forEach((lines, i) => {
    const base = 3 + i * perPage;
    let y = 760;
    const ops = lines
      .map((line) => {
        const safe = line
          .replace(/[^\x20-\x7e]/g, '?')
          .replaceAll('\\', '\\\\')
          .replaceAll('(', '\\(')
          .replaceAll(')', '\\)');
        const op = line ? `BT /F1 10 Tf 50 ${y} Td (${safe}) Tj ET` : '';
        y -= line ? 13 : 20;
        return op;
      })
      .join('\n');
    const content = Buffer.from(ops, 'latin1');
    obj(base + 1, `<< /Length ${content.length} >>`, content);
    const image = imageBytesPerPage > 0 ? base + 3 : undefined;
    const xobject = image ? ` /XObject << /Im1 ${image} 0 R >>` : '';
    obj(
      base + 2,
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >>${xobject} >> /Contents ${base + 1} 0 R >>`,
    );
    if (image) {
      const side = Math.floor(Math.sqrt(imageBytesPerPage / 3));
      const pixels = randomBytes(side * side * 3);
      obj(
        image,
        `<< /Type /XObject /Subtype /Image /Width ${side} /Height ${side} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Length ${pixels.length} >>`,
        pixels,
      );
    }
  });
  const xref = size;
  const rows = [];
  for (let n = 1; n <= total; n++) rows.push(`${String(offsets[n] ?? 0).padStart(10, '0')} 00000 n \n`);
  push(
    Buffer.from(
      `xref\n0 ${total + 1}\n0000000000 65535 f \n${rows.join('')}trailer\n<< /Size ${total + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`,
      'latin1',
    ),
  );
  return Buffer.concat(parts);
}

/** Wraps text into lines of at most `width` characters at spaces. */
export function wrap(text: string, width = 95): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
