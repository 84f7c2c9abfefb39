import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chunkDocument, estimateTokens } from '../src/knowledge/chunk.ts';
import type { ExtractedBlock, ExtractedDocument } from '../src/knowledge/extract/types.ts';

const para = (text: string, headingPath: string[], extra: Partial<ExtractedBlock> = {}): ExtractedBlock => ({
  kind: 'paragraph',
  text,
  headingPath,
  ...extra,
});
const words = (n: number, w = 'word') => Array.from({ length: n }, (_, i) => `${w}${i}`).join(' ');

test('headings start chunks and every chunk carries the right heading path', () => {
  const doc: ExtractedDocument = {
    format: 'md',
    blocks: [
      { kind: 'heading', text: 'Guide', level: 1, headingPath: [] },
      para('Intro text.', ['Guide']),
      { kind: 'heading', text: 'Install', level: 2, headingPath: ['Guide'] },
      para('Run the installer.', ['Guide', 'Install']),
      para('Then restart.', ['Guide', 'Install']),
      { kind: 'heading', text: 'Usage', level: 2, headingPath: ['Guide'] },
      para('Call the API.', ['Guide', 'Usage']),
    ],
  };
  const chunks = chunkDocument(doc);
  assert.deepEqual(
    chunks.map((c) => [c.ordinal, c.headingPath, c.text]),
    [
      [0, ['Guide'], 'Intro text.'],
      [1, ['Guide', 'Install'], 'Run the installer.\n\nThen restart.'],
      [2, ['Guide', 'Usage'], 'Call the API.'],
    ],
  );
});

test('paragraphs are kept whole when they fit; chunks stay near the target', () => {
  const blocks = Array.from({ length: 40 }, (_, i) => para(`${words(30, `p${i}w`)}.`, []));
  const chunks = chunkDocument({ format: 'txt', blocks }, { targetTokens: 200, maxTokens: 400 });
  const joined = chunks.flatMap((c) => c.text.split('\n\n'));
  assert.deepEqual(
    joined,
    blocks.map((b) => b.text),
    'every paragraph appears whole, in order, in exactly one chunk',
  );
  for (const c of chunks) assert.ok(c.tokens <= 200, `chunk of ${c.tokens} tokens`);
  assert.ok(chunks.length > 5);
});

test('table rows are never split, even a row longer than maxTokens; rows join by lines', () => {
  const long = `| ${words(400, 'cell')} |`;
  const rows: ExtractedBlock[] = [
    { kind: 'table-row', text: 'name | price', headingPath: ['Prices'], sheet: 'Sheet1' },
    { kind: 'table-row', text: 'apple | 1', headingPath: ['Prices'], sheet: 'Sheet1' },
    { kind: 'table-row', text: long, headingPath: ['Prices'], sheet: 'Sheet1' },
    { kind: 'table-row', text: 'pear | 2', headingPath: ['Prices'], sheet: 'Sheet1' },
  ];
  const chunks = chunkDocument({ format: 'xlsx', blocks: rows }, { targetTokens: 100, maxTokens: 200 });
  assert.equal(chunks[0]?.text, 'name | price\napple | 1');
  assert.ok(
    chunks.some((c) => c.text === long),
    'the long row is one chunk, whole',
  );
  assert.ok(chunks.every((c) => c.sheet === 'Sheet1'));
});

test('a long paragraph is split at sentence boundaries, never mid-sentence', () => {
  const sentences = Array.from({ length: 200 }, (_, i) => `Sentence number ${i} says something useful.`);
  const chunks = chunkDocument(
    { format: 'txt', blocks: [para(sentences.join(' '), ['Long'], { page: 3 })] },
    { targetTokens: 100, maxTokens: 150 },
  );
  assert.ok(chunks.length > 10);
  const back = chunks.flatMap((c) => c.text.split(/(?<=\.) /));
  assert.deepEqual(back, sentences);
  for (const c of chunks) {
    assert.ok(c.tokens <= 150);
    assert.equal(c.page, 3);
    assert.deepEqual(c.headingPath, ['Long']);
  }
});

test('a space-free run longer than maxTokens is cut, and nothing is lost', () => {
  const blob = 'x'.repeat(10_000);
  const chunks = chunkDocument({ format: 'txt', blocks: [para(blob, [])] }, { maxTokens: 200 });
  assert.equal(chunks.map((c) => c.text).join(''), blob);
  for (const c of chunks) assert.ok(c.tokens <= 200);
});

test('sheets and crawled pages never share a chunk; a chunk cites the page it starts on', () => {
  const chunks = chunkDocument({
    format: 'html',
    blocks: [
      para('one', [], { url: 'https://a.test/1' }),
      para('two', [], { url: 'https://a.test/2' }),
      para('three', [], { page: 1 }),
      para('four', [], { page: 2 }),
    ],
  });
  assert.deepEqual(
    chunks.map((c) => [c.text, c.url, c.page]),
    [
      ['one', 'https://a.test/1', undefined],
      ['two', 'https://a.test/2', undefined],
      ['three\n\nfour', undefined, 1],
    ],
  );
});

test('a document of headings only still yields chunks; empty blocks yield none', () => {
  const chunks = chunkDocument({
    format: 'md',
    blocks: [
      { kind: 'heading', text: 'Only a title', level: 1, headingPath: [] },
      para('   ', ['Only a title']),
    ],
  });
  assert.deepEqual(
    chunks.map((c) => c.text),
    ['Only a title'],
  );
  assert.deepEqual(chunkDocument({ format: 'txt', blocks: [] }), []);
});

test('chunking is linear: 20x the text costs about 20x the time, not 400x', () => {
  const make = (n: number): ExtractedDocument => ({
    format: 'txt',
    blocks: Array.from({ length: n }, (_, i) =>
      i % 10 === 0
        ? para(`${'A long sentence of prose. '.repeat(200)}`, [`h${i}`])
        : para(words(50), [`h${i - (i % 10)}`]),
    ),
  });
  const time = (n: number) => {
    const doc = make(n);
    chunkDocument(doc);
    const t = performance.now();
    for (let i = 0; i < 3; i++) chunkDocument(doc);
    return performance.now() - t;
  };
  time(200);
  const small = time(250);
  const large = time(5_000);
  assert.ok(large / small < 80, `ratio ${(large / small).toFixed(1)} for 20x the input`);
  assert.equal(estimateTokens('abcd'.repeat(10)), 10);
});
