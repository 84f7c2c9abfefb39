import { parseHTML } from 'linkedom';
import mammoth from 'mammoth';
import { type BlockCollector, messageOf } from './blocks.ts';
import { walkHtml } from './parse-html.ts';
import { KnowledgeError } from './types.ts';

/**
 * Word: mammoth maps the document's styles to HTML (Heading 1-6 → h1-h6, lists, tables), and the same DOM
 * walk as web pages turns that into blocks. Images are never read (they are not text, and would cost memory).
 */
export async function parseDocx(bytes: Uint8Array, out: BlockCollector) {
  let html: string;
  try {
    const result = await mammoth.convertToHtml(
      { buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) },
      { convertImage: mammoth.images.imgElement(async () => ({ src: '' })) },
    );
    html = result.value;
  } catch (err) {
    throw new KnowledgeError(
      'file_format_unsupported',
      `The file could not be read as a Word document: it is damaged or truncated (${messageOf(err)}).`,
    );
  }
  walkHtml(parseHTML(`<!doctype html><html><body>${html}</body></html>`).document.body as never, out);
}
