import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DEFAULT_EXTRACT_LIMITS,
  extractDocument,
  INLINE_MAX_BYTES,
  KnowledgeError,
} from '../src/knowledge/extract/index.ts';
import { runParseWorker } from '../src/knowledge/extract/run-worker.ts';
import { deflatedZeros, docx, pdf, zip } from './helpers/knowledge-files.ts';

/**
 * Issue 13.5 and the test list: every hostile or unusable file is a clear KnowledgeError with the code the
 * document will carry, never a crash, a hang or a blocked event loop.
 */
const text = (s: string) => new TextEncoder().encode(s);
const MiB = 1024 * 1024;

async function refusal(p: Promise<unknown>): Promise<KnowledgeError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof KnowledgeError, `not a KnowledgeError: ${String(err)}`);
    return err;
  }
  assert.fail('expected a KnowledgeError');
}

/** A .docx whose document part is the given raw deflate data with the given declared size. */
const bombDocx = (compressed: Uint8Array, declared: number) =>
  zip([
    { name: '[Content_Types].xml', data: '<Types/>' },
    { name: 'word/document.xml', raw: { compressed, uncompressedSize: declared } },
  ]);

describe('extract: limits', () => {
  test('50 MiB + 1 byte is file_size_too_large before any parsing', async () => {
    const bytes = new Uint8Array(DEFAULT_EXTRACT_LIMITS.maxBytes + 1);
    bytes.set(text('%PDF-1.4'));
    const err = await refusal(extractDocument({ bytes }));
    assert.equal(err.code, 'file_size_too_large');
    assert.match(err.message, /limit is 50 MiB/);
    // Refused on the size alone: the bytes were never moved to a worker.
    assert.equal(bytes.byteLength, DEFAULT_EXTRACT_LIMITS.maxBytes + 1);
  });

  test('an empty file, and a file with only whitespace, are file_empty', async () => {
    assert.equal(
      (await refusal(extractDocument({ bytes: new Uint8Array(0), fileName: 'a.txt' }))).code,
      'file_empty',
    );
    assert.equal(
      (await refusal(extractDocument({ bytes: text(' \n\n \t\n'), fileName: 'a.txt' }))).code,
      'file_empty',
    );
    assert.equal((await refusal(extractDocument({ bytes: pdf([[]]) }))).code, 'file_empty');
  });

  test('PNG, JPEG, legacy .doc and unknown binaries are file_format_unsupported, naming the formats', async () => {
    const files: [Uint8Array, string | undefined, RegExp][] = [
      [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10, 0, 0]), 'scan.png', /PNG image.*OCR/],
      [new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]), 'photo.jpg', /JPEG image/],
      [new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]), 'old.doc', /legacy Office/],
      [new Uint8Array([1, 0, 2, 0, 3, 0]), undefined, /not supported/],
      [zip([{ name: 'a.txt', data: 'x' }]), 'a.zip', /zip archive/],
    ];
    for (const [bytes, fileName, what] of files) {
      const err = await refusal(extractDocument({ bytes, ...(fileName ? { fileName } : {}) }));
      assert.equal(err.code, 'file_format_unsupported');
      assert.match(err.message, what);
      assert.match(err.message, /Supported formats: PDF.*\.docx.*\.pptx.*\.xlsx.*\.csv.*\.txt.*\.md.*HTML/);
    }
  });

  test('a truncated or damaged PDF is a clear file_format_unsupported', async () => {
    const good = pdf([['Hello world']]);
    for (const bytes of [good.subarray(0, good.length >> 1), text(`%PDF-1.7\n${'x'.repeat(4000)}`)]) {
      const err = await refusal(extractDocument({ bytes: new Uint8Array(bytes) }));
      assert.equal(err.code, 'file_format_unsupported');
      assert.match(err.message, /could not be read as a PDF: it is damaged or truncated/);
    }
  });

  test('a damaged zip is a clear file_format_unsupported', async () => {
    const good = docx([{ text: 'x' }]);
    const err = await refusal(
      extractDocument({ bytes: new Uint8Array(good.subarray(0, good.length - 30)), fileName: 'a.docx' }),
    );
    assert.equal(err.code, 'file_format_unsupported');
  });

  test('zip bomb, honest: 1 GiB of zeros in ~1 MiB, refused on its declared size', async () => {
    const zeros = deflatedZeros(1024);
    assert.ok(zeros.length < 2 * MiB);
    const err = await refusal(extractDocument({ bytes: bombDocx(zeros, 1024 * MiB) }));
    assert.equal(err.code, 'file_size_too_large');
    assert.match(err.message, /expands to more than 200 MiB when unzipped/);
  });

  test('zip bomb, lying: declares 1 KiB, inflates to 1 GiB; stopped by the bytes actually inflated', async () => {
    const err = await refusal(extractDocument({ bytes: bombDocx(deflatedZeros(1024), 1024) }));
    assert.equal(err.code, 'file_size_too_large');
    assert.match(err.message, /zip bomb/);
  });

  test('zip bomb, under the total: 150 MiB of zeros from 150 KiB is refused on its ratio', async () => {
    const err = await refusal(extractDocument({ bytes: bombDocx(deflatedZeros(150), 150 * MiB) }));
    assert.equal(err.code, 'file_size_too_large');
    assert.match(err.message, /expands more than 100 times/);
  });

  test('zip bomb, many parts: the total of all entries counts', async () => {
    const part = deflatedZeros(1);
    const entries = Array.from({ length: 40 }, (_, i) => ({
      name: `word/media/p${i}.bin`,
      raw: { compressed: part, uncompressedSize: MiB },
    }));
    const err = await refusal(
      extractDocument(
        { bytes: zip([{ name: 'word/document.xml', data: '<x/>' }, ...entries]) },
        { maxUnzippedBytes: 32 * MiB },
      ),
    );
    assert.equal(err.code, 'file_size_too_large');
    assert.match(err.message, /more than 32 MiB/);
  });

  test('too many zip entries is refused before inflating them', async () => {
    const entries = Array.from({ length: 60 }, (_, i) => ({ name: `word/p${i}.xml`, data: 'x' }));
    const err = await refusal(
      extractDocument(
        { bytes: zip([{ name: 'word/document.xml', data: '<x/>' }, ...entries]) },
        { maxZipEntries: 50 },
      ),
    );
    assert.equal(err.code, 'file_size_too_large');
    assert.match(err.message, /at most 50/);
  });

  test('text past maxTextChars is file_size_too_large', async () => {
    const err = await refusal(
      extractDocument({ bytes: text('word '.repeat(1000)), fileName: 'a.txt' }, { maxTextChars: 1000 }),
    );
    assert.equal(err.code, 'file_size_too_large');
    assert.match(err.message, /longer than the limit of 1,000 characters/);
  });

  test('HTML from a URL with no readable text is website_processing_failed', async () => {
    const err = await refusal(
      extractDocument({
        bytes: text('<html><body><div id="app"></div><script>render()</script></body></html>'),
        url: 'https://example.com/',
      }),
    );
    assert.equal(err.code, 'website_processing_failed');
  });
});

describe('extract: the worker thread', () => {
  const loops = new URL('./fixtures/extract-worker-loops.mjs', import.meta.url);
  const hog = new URL('./fixtures/extract-worker-hog.mjs', import.meta.url);
  // A fresh request each time: the bytes are moved into the worker.
  const request = () => ({
    bytes: text('x'),
    format: 'pdf' as const,
    maxTextChars: 100,
    maxUnzippedBytes: MiB,
    maxZipEntries: 10,
    maxZipRatio: 100,
  });

  test('a parse that never ends is terminated at timeoutMs (processing_timeout), and the event loop stays free', async () => {
    let ticks = 0;
    const tick = setInterval(() => ticks++, 10);
    const err = await refusal(runParseWorker(request(), { timeoutMs: 1500, maxMemoryMb: 64 }, loops));
    clearInterval(tick);
    assert.equal(err.code, 'processing_timeout');
    // ~150 ticks expected; a blocked loop would give one or two.
    assert.ok(ticks >= 20, `only ${ticks} timer ticks ran while the parser looped`);
  });

  test('real input past the timeout is processing_timeout too', async () => {
    const big = text(`${'a,b,c\n'.repeat(500_000)}`);
    const err = await refusal(extractDocument({ bytes: big, fileName: 'big.csv' }, { timeoutMs: 1 }));
    assert.equal(err.code, 'processing_timeout');
  });

  test('a parse that exhausts its heap cap is a clear error, and this process lives on', async () => {
    const err = await refusal(runParseWorker(request(), { timeoutMs: 60_000, maxMemoryMb: 32 }, hog));
    assert.equal(err.code, 'file_size_too_large');
    assert.match(err.message, /more than the 32 MB of memory/);
  });

  test('aborting terminates the parser and rejects with the signal reason', async () => {
    const controller = new AbortController();
    const pending = runParseWorker(
      request(),
      { timeoutMs: 60_000, maxMemoryMb: 64, signal: controller.signal },
      loops,
    );
    setTimeout(() => controller.abort(new Error('document deleted')), 200);
    await assert.rejects(pending, /document deleted/);
  });

  // Past the size parsed inline: these go to the worker.
  const large = (words: string) => `${words} ${'filler words. '.repeat(INLINE_MAX_BYTES / 10)}`;

  test('the bytes are moved into the worker, not copied, when the view owns its buffer', async () => {
    const owned = new Uint8Array(text(large('moved text')));
    await extractDocument({ bytes: owned, fileName: 'a.txt' });
    assert.equal(owned.byteLength, 0, 'the buffer was transferred (detached here)');
    // A view on a shared pool is never detached: its bytes are copied once instead.
    const pooled = Buffer.concat([Buffer.from('x'), Buffer.from(large('pooled text'))]).subarray(1);
    const doc = await extractDocument({ bytes: pooled, fileName: 'a.txt' });
    assert.ok(pooled.toString().startsWith('pooled text'));
    assert.match(doc.blocks[0]?.text ?? '', /^pooled text/);
  });

  test('a small text file is parsed on this thread, with the same result and its bytes left as they are', async () => {
    const source = '# Title\n\nSmall text.';
    const owned = new Uint8Array(text(source));
    const doc = await extractDocument({ bytes: owned, fileName: 'a.md' });
    assert.equal(owned.byteLength, source.length, 'not transferred: no worker was used');
    assert.deepEqual(
      doc.blocks.map((b) => [b.kind, b.text]),
      [
        ['heading', 'Title'],
        ['paragraph', 'Small text.'],
      ],
    );
    const aborted = new AbortController();
    aborted.abort(new Error('gone'));
    await assert.rejects(
      extractDocument({ bytes: text('x'), fileName: 'a.txt', signal: aborted.signal }),
      /gone/,
    );
  });
});
