import { crc32, deflateRawSync } from 'node:zlib';

/**
 * Small files of every format, written by hand so the extract tests need no binary fixtures: a zip writer
 * (deflate or raw pre-compressed entries, declared sizes overridable for lying zip bombs), OOXML parts, and
 * a minimal PDF with real text objects and a correct cross-reference table.
 */
export interface ZipEntry {
  name: string;
  data?: Uint8Array | string;
  /** Already deflated bytes (method 8) with the sizes to declare, for bombs. */
  raw?: { compressed: Uint8Array; uncompressedSize: number; crc?: number };
}

export function zip(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    let compressed: Uint8Array;
    let size: number;
    let crc: number;
    if (entry.raw) {
      compressed = entry.raw.compressed;
      size = entry.raw.uncompressedSize;
      crc = entry.raw.crc ?? 0;
    } else {
      const data =
        typeof entry.data === 'string' ? Buffer.from(entry.data, 'utf8') : Buffer.from(entry.data ?? []);
      compressed = deflateRawSync(data);
      size = data.length;
      crc = crc32(data);
    }
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(size >>> 0, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(size >>> 0, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, Buffer.from(compressed));
    centrals.push(central, name);
    offset += 30 + name.length + compressed.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/**
 * `mib` MiB of zeros as one deflate stream of about mib KiB: one MiB of zeros compressed with a full flush
 * (byte-aligned, no back-references across it) repeated, then an empty final block. No gigabyte is ever held.
 */
export function deflatedZeros(mib: number): Uint8Array {
  const piece = deflateRawSync(Buffer.alloc(1024 * 1024), { finishFlush: 3 /* Z_FULL_FLUSH */ });
  const tail = deflateRawSync(Buffer.alloc(0));
  const out = Buffer.alloc(piece.length * mib + tail.length);
  for (let i = 0; i < mib; i++) piece.copy(out, i * piece.length);
  tail.copy(out, piece.length * mib);
  return out;
}

const CT = '[Content_Types].xml';
const xmlEscape = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** A .docx: paragraphs with an optional style (Heading1…), list items and one table. */
export function docx(body: ({ style?: string; text: string } | { table: string[][] })[]): Buffer {
  const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';
  const para = (p: { style?: string; text: string }) =>
    `<w:p>${p.style ? `<w:pPr><w:pStyle w:val="${p.style}"/></w:pPr>` : ''}<w:r><w:t xml:space="preserve">${xmlEscape(p.text)}</w:t></w:r></w:p>`;
  const table = (rows: string[][]) =>
    `<w:tbl>${rows.map((r) => `<w:tr>${r.map((c) => `<w:tc>${para({ text: c })}</w:tc>`).join('')}</w:tr>`).join('')}</w:tbl>`;
  const styles = [1, 2, 3]
    .map(
      (n) =>
        `<w:style w:type="paragraph" w:styleId="Heading${n}"><w:name w:val="heading ${n}"/><w:pPr><w:outlineLvl w:val="${n - 1}"/></w:pPr></w:style>`,
    )
    .join('');
  return zip([
    {
      name: CT,
      data: `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
    },
    {
      name: '_rels/.rels',
      data: `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
    },
    {
      name: 'word/_rels/document.xml.rels',
      data: `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`,
    },
    { name: 'word/styles.xml', data: `<?xml version="1.0"?><w:styles xmlns:w="${W}">${styles}</w:styles>` },
    {
      name: 'word/document.xml',
      data: `<?xml version="1.0"?><w:document xmlns:w="${W}"><w:body>${body
        .map((b) => ('table' in b ? table(b.table) : para(b)))
        .join('')}</w:body></w:document>`,
    },
  ]);
}

/** A .pptx: slides with a title placeholder, body lines, optional table and speaker notes; slide order given. */
export function pptx(
  slides: { title?: string; lines: string[]; table?: string[][]; notes?: string }[],
): Buffer {
  const P =
    'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';
  const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
  const shape = (ph: string | undefined, lines: string[]) =>
    `<p:sp><p:nvSpPr><p:cNvPr id="2" name="s"/><p:cNvSpPr/><p:nvPr>${ph ? `<p:ph type="${ph}"/>` : ''}</p:nvPr></p:nvSpPr><p:txBody>${lines
      .map((l) => `<a:p><a:r><a:t>${xmlEscape(l)}</a:t></a:r></a:p>`)
      .join('')}</p:txBody></p:sp>`;
  const table = (rows: string[][]) =>
    `<p:graphicFrame><a:graphic><a:graphicData><a:tbl>${rows
      .map(
        (r) =>
          `<a:tr>${r.map((c) => `<a:tc><a:txBody><a:p><a:r><a:t>${xmlEscape(c)}</a:t></a:r></a:p></a:txBody></a:tc>`).join('')}</a:tr>`,
      )
      .join('')}</a:tbl></a:graphicData></a:graphic></p:graphicFrame>`;
  const entries: ZipEntry[] = [
    {
      name: CT,
      data: '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
    },
  ];
  // Files are numbered in reverse so the test proves the order comes from the slide list, not file names.
  const fileOf = (i: number) => slides.length - i;
  entries.push({
    name: 'ppt/presentation.xml',
    data: `<?xml version="1.0"?><p:presentation ${P}><p:sldIdLst>${slides
      .map((_, i) => `<p:sldId id="${256 + i}" r:id="rId${i + 1}"/>`)
      .join('')}</p:sldIdLst></p:presentation>`,
  });
  entries.push({
    name: 'ppt/_rels/presentation.xml.rels',
    data: `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${slides
      .map(
        (_, i) =>
          `<Relationship Id="rId${i + 1}" Type="${REL}/slide" Target="slides/slide${fileOf(i)}.xml"/>`,
      )
      .join('')}</Relationships>`,
  });
  slides.forEach((s, i) => {
    const n = fileOf(i);
    entries.push({
      name: `ppt/slides/slide${n}.xml`,
      data: `<?xml version="1.0"?><p:sld ${P}><p:cSld><p:spTree>${s.title ? shape('title', [s.title]) : ''}${shape(undefined, s.lines)}${shape('sldNum', ['7'])}${s.table ? table(s.table) : ''}</p:spTree></p:cSld></p:sld>`,
    });
    if (s.notes) {
      entries.push({
        name: `ppt/slides/_rels/slide${n}.xml.rels`,
        data: `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId9" Type="${REL}/notesSlide" Target="../notesSlides/notesSlide${n}.xml"/></Relationships>`,
      });
      entries.push({
        name: `ppt/notesSlides/notesSlide${n}.xml`,
        data: `<?xml version="1.0"?><p:notes ${P}><p:cSld><p:spTree>${shape('sldImg', [])}${shape('body', [s.notes])}</p:spTree></p:cSld></p:notes>`,
      });
    }
  });
  return zip(entries);
}

/** A PDF with one page per entry; each page's lines are drawn top-down, a blank string leaves a paragraph gap. */
export function pdf(pages: string[][], title?: string): Buffer {
  const objects: string[] = [];
  const add = (body: string) => objects.push(body) + 2; // object numbers start at 3 (1 catalog, 2 pages)
  const font = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  const kids: number[] = [];
  for (const lines of pages) {
    let y = 740;
    const ops = lines
      .map((line) => {
        const op = line
          ? `BT /F1 12 Tf 72 ${y} Td (${line.replaceAll('\\', '\\\\').replaceAll('(', '\\(').replaceAll(')', '\\)')}) Tj ET`
          : '';
        y -= line ? 16 : 24;
        return op;
      })
      .join('\n');
    const content = add(`<< /Length ${Buffer.byteLength(ops, 'latin1')} >>\nstream\n${ops}\nendstream`);
    kids.push(
      add(
        `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 ${font} 0 R >> >> /Contents ${content} 0 R >>`,
      ),
    );
  }
  const info = title ? add(`<< /Title (${title}) >>`) : undefined;
  const all = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`,
    ...objects,
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  all.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${all.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${all.length + 1} /Root 1 0 R${info ? ` /Info ${info} 0 R` : ''} >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}
