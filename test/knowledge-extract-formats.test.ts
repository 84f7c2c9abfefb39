import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import ExcelJS from 'exceljs';
import { detectFormat, type ExtractedBlock, extractDocument } from '../src/knowledge/extract/index.ts';
import { CLEANUP_EVERY_CHARS } from '../src/knowledge/extract/parse-pdf.ts';
import { docx, pdf, pptx, zip } from './helpers/knowledge-files.ts';

/**
 * Issue 13.3: every supported format, from a small file the test writes, comes out as blocks with the
 * structure retrieval cites: headings and their path, pages (PDF, slides), sheets, table rows kept whole.
 */
const text = (s: string) => new TextEncoder().encode(s);
const brief = (blocks: ExtractedBlock[]) =>
  blocks.map((b) => {
    const { kind, text, headingPath, level, page, sheet } = b;
    return {
      kind,
      text,
      path: headingPath.join(' > '),
      ...(level ? { level } : {}),
      ...(page ? { page } : {}),
      ...(sheet ? { sheet } : {}),
    };
  });

describe('extract: formats', () => {
  test('PDF: paragraphs per page, split at vertical gaps; the title from the metadata', async () => {
    const doc = await extractDocument({
      bytes: pdf(
        [
          ['The first line of a paragraph', 'continues here.', '', 'A second paragraph.'],
          ['Page two stands alone.'],
        ],
        'Handbook',
      ),
    });
    assert.equal(doc.format, 'pdf');
    assert.equal(doc.title, 'Handbook');
    assert.deepEqual(brief(doc.blocks), [
      { kind: 'paragraph', text: 'The first line of a paragraph continues here.', path: '', page: 1 },
      { kind: 'paragraph', text: 'A second paragraph.', path: '', page: 1 },
      { kind: 'paragraph', text: 'Page two stands alone.', path: '', page: 2 },
    ]);
  });

  test('PDF: text past several of pdf.js cache cleanups comes out whole, on its pages', async () => {
    // Lines 16 pt apart: each page is one paragraph. ~2.5 cleanups' worth of text in all.
    const line = (p: number, l: number) => `Page ${p} line ${l} ${'lorem ipsum '.repeat(6).trim()}`;
    const perPage = 40 * line(0, 0).length;
    const pages = Array.from({ length: Math.ceil((2.5 * CLEANUP_EVERY_CHARS) / perPage) }, (_, p) =>
      Array.from({ length: 40 }, (_, l) => line(p + 1, l + 1)),
    );
    const doc = await extractDocument({ bytes: pdf(pages) });
    assert.deepEqual(
      doc.blocks.map((b) => ({ page: b.page, text: b.text })),
      pages.map((lines, i) => ({ page: i + 1, text: lines.join(' ') })),
    );
  });

  test('DOCX: heading styles give headings and their path; tables give one row per block', async () => {
    const doc = await extractDocument({
      bytes: docx([
        { style: 'Heading1', text: 'Returns' },
        { text: 'Items can be returned within 30 days.' },
        { style: 'Heading2', text: 'Refunds' },
        { text: 'Refunds take five days.' },
        {
          table: [
            ['Item', 'Days'],
            ['Shoes', '30'],
            ['Food', '0'],
          ],
        },
        { style: 'Heading1', text: 'Shipping' },
        { text: 'We ship worldwide.' },
      ]),
    });
    assert.equal(doc.format, 'docx');
    assert.deepEqual(brief(doc.blocks), [
      { kind: 'heading', text: 'Returns', path: '', level: 1 },
      { kind: 'paragraph', text: 'Items can be returned within 30 days.', path: 'Returns' },
      { kind: 'heading', text: 'Refunds', path: 'Returns', level: 2 },
      { kind: 'paragraph', text: 'Refunds take five days.', path: 'Returns > Refunds' },
      { kind: 'table-row', text: 'Item: Shoes; Days: 30', path: 'Returns > Refunds' },
      { kind: 'table-row', text: 'Item: Food; Days: 0', path: 'Returns > Refunds' },
      { kind: 'heading', text: 'Shipping', path: '', level: 1 },
      { kind: 'paragraph', text: 'We ship worldwide.', path: 'Shipping' },
    ]);
  });

  test('PPTX: one page per slide in the slide list order, titles as headings, tables and speaker notes', async () => {
    const doc = await extractDocument({
      bytes: pptx([
        { title: 'Welcome', lines: ['Agenda', 'Goals'], notes: 'Greet everyone.' },
        {
          title: 'Prices',
          lines: ['Plans'],
          table: [
            ['Plan', 'Price'],
            ['Basic', '$5'],
          ],
        },
      ]),
    });
    assert.equal(doc.format, 'pptx');
    assert.equal(doc.title, 'Welcome');
    assert.deepEqual(brief(doc.blocks), [
      { kind: 'heading', text: 'Welcome', path: '', level: 1, page: 1 },
      { kind: 'list', text: 'Agenda\nGoals', path: 'Welcome', page: 1 },
      { kind: 'paragraph', text: 'Greet everyone.', path: 'Welcome', page: 1 },
      { kind: 'heading', text: 'Prices', path: '', level: 1, page: 2 },
      { kind: 'paragraph', text: 'Plans', path: 'Prices', page: 2 },
      { kind: 'table-row', text: 'Plan: Basic; Price: $5', path: 'Prices', page: 2 },
    ]);
    // The slide-number placeholder repeats on every slide and is no content.
    assert.ok(!doc.blocks.some((b) => b.text === '7'));
  });

  test('XLSX: one table-row per row, "Header: value; …", with the sheet name; formulas give their result', async () => {
    const wb = new ExcelJS.Workbook();
    const people = wb.addWorksheet('People');
    people.addRow(['Name', 'Born', 'Score']);
    people.addRow(['Ann', new Date(Date.UTC(1990, 0, 2)), { formula: '1+1', result: 2 }]);
    people.addRow(['Bob', null, 7]);
    const rooms = wb.addWorksheet('Rooms');
    rooms.addRow(['Room', 'Seats']);
    rooms.addRow(['Blue', 12]);
    const doc = await extractDocument({
      bytes: new Uint8Array((await wb.xlsx.writeBuffer()) as ArrayBuffer),
    });
    assert.equal(doc.format, 'xlsx');
    assert.deepEqual(brief(doc.blocks), [
      { kind: 'heading', text: 'People', path: '', level: 1, sheet: 'People' },
      { kind: 'table-row', text: 'Name: Ann; Born: 1990-01-02; Score: 2', path: 'People', sheet: 'People' },
      { kind: 'table-row', text: 'Name: Bob; Score: 7', path: 'People', sheet: 'People' },
      { kind: 'heading', text: 'Rooms', path: '', level: 1, sheet: 'Rooms' },
      { kind: 'table-row', text: 'Room: Blue; Seats: 12', path: 'Rooms', sheet: 'Rooms' },
    ]);
  });

  test('CSV: rows like a sheet; quoted fields, semicolons and a BOM are handled', async () => {
    const doc = await extractDocument({
      bytes: text('\uFEFFname;note\nAnn;"likes; semicolons"\n\nBob;"two\nlines"\n'),
      fileName: 'people.csv',
    });
    assert.equal(doc.format, 'csv');
    assert.deepEqual(
      doc.blocks.map((b) => [b.kind, b.text]),
      [
        ['table-row', 'name: Ann; note: likes; semicolons'],
        ['table-row', 'name: Bob; note: two lines'],
      ],
    );
  });

  test('Markdown: headings (ATX and setext), lists, code fences, tables, front matter skipped', async () => {
    const md = [
      '---',
      'title: x',
      '---',
      'Guide',
      '=====',
      '',
      'Intro line one',
      'and two.',
      '',
      '## Install ##',
      '- npm ci',
      '- npm start',
      '  (takes a while)',
      '',
      '```sh',
      'npm   start',
      '```',
      '',
      '| Key | Value |',
      '|-----|:-----:|',
      '| a   | 1     |',
      '',
      '# Other',
      '***',
      '> quoted text',
    ].join('\n');
    const doc = await extractDocument({ bytes: text(md), fileName: 'guide.md' });
    assert.equal(doc.format, 'md');
    assert.deepEqual(brief(doc.blocks), [
      { kind: 'heading', text: 'Guide', path: '', level: 1 },
      { kind: 'paragraph', text: 'Intro line one and two.', path: 'Guide' },
      { kind: 'heading', text: 'Install', path: 'Guide', level: 2 },
      { kind: 'list', text: '- npm ci\n- npm start (takes a while)', path: 'Guide > Install' },
      { kind: 'code', text: 'npm   start', path: 'Guide > Install' },
      { kind: 'table-row', text: 'Key: a; Value: 1', path: 'Guide > Install' },
      { kind: 'heading', text: 'Other', path: '', level: 1 },
      { kind: 'paragraph', text: 'quoted text', path: 'Other' },
    ]);
  });

  test('TXT: paragraphs at blank lines; Windows-1252 bytes that are not UTF-8 still decode', async () => {
    const doc = await extractDocument({
      bytes: new Uint8Array([...text('First para\r\nstill first\r\n\r\nCaf'), 0xe9, ...text(' second')]),
      fileName: 'notes.txt',
    });
    assert.equal(doc.format, 'txt');
    assert.deepEqual(
      doc.blocks.map((b) => b.text),
      ['First para still first', 'Café second'],
    );
  });

  test('TXT without blank lines is cut into paragraphs at line breaks, not one block of the whole file', async () => {
    const line = 'A log line that goes on for a while, like a dump with no blank lines at all.';
    const doc = await extractDocument({ bytes: text(`${line}\n`.repeat(2000)), fileName: 'dump.txt' });
    assert.ok(doc.blocks.length >= 30, `${doc.blocks.length} blocks`);
    assert.ok(doc.blocks.every((b) => b.text.length <= 5000));
    assert.equal(doc.blocks.map((b) => b.text).join(' '), Array(2000).fill(line).join(' '));
  });

  test('HTML: the main content (Readability), not the navigation; heading path; the page url on every block', async () => {
    const para =
      'Our support team answers every question within one business day, in English and French. '.repeat(3);
    const html = `<!doctype html><html><head><title>Support</title><script>var x = 1;</script></head><body>
      <nav><a href="/">Home</a> <a href="/pricing">Pricing</a></nav>
      <article><h1>Support</h1><p>${para}</p><h2>Hours</h2><p>${para}</p>
      <ul><li>Monday</li><li>Friday</li></ul>
      <table><tr><th>Channel</th><th>Time</th></tr><tr><td>Email</td><td>1 day</td></tr></table></article>
      <footer>© Example 2026</footer></body></html>`;
    const doc = await extractDocument({
      bytes: text(html),
      contentType: 'text/html; charset=utf-8',
      url: 'https://example.com/support',
    });
    assert.equal(doc.format, 'html');
    assert.equal(doc.title, 'Support');
    const all = doc.blocks.map((b) => b.text).join('\n');
    assert.ok(!all.includes('Pricing') && !all.includes('var x'), all);
    assert.deepEqual(
      doc.blocks.map((b) => [b.kind, b.headingPath.join(' > ')]),
      [
        ['heading', ''],
        ['paragraph', 'Support'],
        ['heading', 'Support'],
        ['paragraph', 'Support > Hours'],
        ['list', 'Support > Hours'],
        ['table-row', 'Support > Hours'],
      ],
    );
    assert.equal(doc.blocks[5]?.text, 'Channel: Email; Time: 1 day');
    assert.ok(doc.blocks.every((b) => b.url === 'https://example.com/support'));
  });

  test('HTML without an article falls back to the body (no tags, no scripts)', async () => {
    const doc = await extractDocument({
      bytes: text('<html><p>Short page.</p><script>alert(1)</script></html>'),
    });
    assert.deepEqual(
      doc.blocks.map((b) => b.text),
      ['Short page.'],
    );
  });
});

describe('extract: detectFormat', () => {
  const cases: [string, Parameters<typeof detectFormat>[0], string | null][] = [
    ['PDF magic beats a .txt name', { bytes: pdf([['x']]), fileName: 'a.txt' }, 'pdf'],
    [
      'DOCX from its zip entries, whatever the name',
      { bytes: docx([{ text: 'x' }]), fileName: 'upload.bin' },
      'docx',
    ],
    ['PPTX from its zip entries', { bytes: pptx([{ lines: ['x'] }]) }, 'pptx'],
    ['XLSX from its zip entries', { bytes: zip([{ name: 'xl/workbook.xml', data: '<x/>' }]) }, 'xlsx'],
    ['markdown by extension', { bytes: text('# x'), fileName: 'README.md' }, 'md'],
    ['csv by content type', { bytes: text('a,b'), contentType: 'text/csv' }, 'csv'],
    ['html by content type', { bytes: text('<p>x</p>'), contentType: 'text/html' }, 'html'],
    ['html by its doctype', { bytes: text('  <!DOCTYPE html><p>x</p>') }, 'html'],
    ['markdown from a URL path', { bytes: text('x'), url: 'https://example.com/docs/a.md?x=1' }, 'md'],
    [
      'a note that mentions %PDF- is still text',
      { bytes: text('Files start with %PDF-1.7, see the spec.') },
      'txt',
    ],
    ['a PDF header after binary junk is a PDF', { bytes: new Uint8Array([0, 1, 2, ...pdf([['x']])]) }, 'pdf'],
    ['plain text otherwise', { bytes: text('hello') }, 'txt'],
    [
      'PNG is not read',
      { bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10]), fileName: 'a.png' },
      null,
    ],
    ['binary is not text', { bytes: new Uint8Array([1, 0, 2, 0, 3, 0, 4]) }, null],
  ];
  for (const [name, input, want] of cases) test(name, () => assert.equal(detectFormat(input), want));
});
