import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import type { BlockCollector } from './blocks.ts';
import { rowText } from './table-rows.ts';

/** The subset of DOM nodes the walk reads (linkedom's, typed here so nothing leans on lib.dom). */
interface DomNode {
  nodeType: number;
  localName?: string;
  textContent: string | null;
  childNodes: ArrayLike<DomNode>;
  getAttribute?: (name: string) => string | null;
}

const SKIP = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'svg',
  'head',
  'iframe',
  'object',
  'canvas',
  'nav',
  'button',
  'select',
  'input',
  'textarea',
  'form',
  'math',
  'video',
  'audio',
  'img',
  'picture',
  'map',
]);
const CONTAINERS = new Set([
  'html',
  'body',
  'div',
  'section',
  'article',
  'main',
  'header',
  'footer',
  'aside',
  'blockquote',
  'figure',
  'figcaption',
  'details',
  'summary',
  'dl',
  'dd',
  'dt',
  'center',
  'address',
  'hgroup',
  'fieldset',
  'caption',
]);
const HEADINGS: Record<string, number> = { h1: 1, h2: 2, h3: 3, h4: 4, h5: 5, h6: 6 };

const children = (node: DomNode): DomNode[] => Array.from(node.childNodes);
const tag = (node: DomNode) => (node.localName ?? '').toLowerCase();

/** Text of a subtree without what is never content (scripts, styles). */
function textOf(node: DomNode): string {
  if (node.nodeType === 3) return node.textContent ?? '';
  if (node.nodeType !== 1 || SKIP.has(tag(node))) return '';
  if (tag(node) === 'br') return '\n';
  let text = '';
  for (const child of children(node)) text += textOf(child);
  return text;
}

/** Direct children with one of the tag names, looking through wrappers such as tbody. */
function rowsOf(table: DomNode): DomNode[] {
  const rows: DomNode[] = [];
  for (const child of children(table)) {
    const t = tag(child);
    if (t === 'tr') rows.push(child);
    else if (t === 'thead' || t === 'tbody' || t === 'tfoot')
      rows.push(...children(child).filter((c) => tag(c) === 'tr'));
  }
  return rows;
}

function walkTable(table: DomNode, out: BlockCollector) {
  const rows = rowsOf(table).map((tr) =>
    children(tr)
      .filter((c) => tag(c) === 'td' || tag(c) === 'th')
      .map((cell) => textOf(cell)),
  );
  const [first, ...rest] = rows;
  if (!first) return;
  // The first row names the columns, as in a spreadsheet; a one-row table is just its values.
  if (rest.length === 0) out.add('table-row', rowText([], first));
  for (const row of rest) out.add('table-row', rowText(first, row));
}

/** Block elements become blocks; inline content between them gathers into one paragraph. */
export function walkHtml(root: DomNode, out: BlockCollector) {
  let inline = '';
  const flush = () => {
    if (inline.trim()) out.add('paragraph', inline);
    inline = '';
  };
  const visit = (node: DomNode) => {
    for (const child of children(node)) {
      if (child.nodeType === 3) {
        inline += child.textContent ?? '';
        continue;
      }
      if (child.nodeType !== 1) continue;
      const t = tag(child);
      if (SKIP.has(t)) continue;
      const level = HEADINGS[t];
      if (level !== undefined) {
        flush();
        out.heading(textOf(child), level);
      } else if (t === 'p') {
        flush();
        out.add('paragraph', textOf(child));
      } else if (t === 'ul' || t === 'ol') {
        flush();
        const items = children(child)
          .filter((c) => tag(c) === 'li')
          .map((li) => textOf(li).replace(/\s+/g, ' ').trim());
        out.add('list', items.join('\n'));
      } else if (t === 'table') {
        flush();
        walkTable(child, out);
      } else if (t === 'pre') {
        flush();
        out.add('code', textOf(child));
      } else if (t === 'br') {
        inline += '\n';
      } else if (CONTAINERS.has(t) || t === 'li') {
        flush();
        visit(child);
        flush();
      } else {
        inline += textOf(child);
      }
    }
  };
  visit(root);
  flush();
}

/** Readability's main text is used when it finds at least this much; below it, the whole body. */
const MIN_ARTICLE_CHARS = 140;

/**
 * A web page: Readability's main content (no navigation, ads or footers) when it finds an article, else the
 * body. The page title heads the blocks when the content does not start with it.
 */
export function parseHtmlPage(html: string, out: BlockCollector): { title?: string } {
  const { document } = parseHTML(html);
  const pageTitle = (document.title ?? '').trim() || undefined;
  let article: { title?: string | null; content?: string | null; textContent?: string | null } | null = null;
  try {
    article = new Readability(document as unknown as ConstructorParameters<typeof Readability>[0]).parse();
  } catch {
    article = null;
  }
  const title = article?.title?.trim() || pageTitle;
  let root: DomNode;
  if (article?.content && (article.textContent ?? '').trim().length >= MIN_ARTICLE_CHARS) {
    root = parseHTML(`<!doctype html><html><body>${article.content}</body></html>`).document
      .body as unknown as DomNode;
  } else {
    // linkedom leaves content outside <body> when the page has no body tag: then the whole document.
    const whole = parseHTML(html).document;
    const body = whole.body as unknown as DomNode | null;
    root = body && textOf(body).trim() ? body : (whole.documentElement as unknown as DomNode);
  }
  if (title && !startsWithHeading(root, title)) out.heading(title, 1);
  walkHtml(root, out);
  return title ? { title } : {};
}

function startsWithHeading(root: DomNode, title: string): boolean {
  const want = title.replace(/\s+/g, ' ').trim();
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.shift();
    if (!node) break;
    for (const child of children(node)) {
      if (child.nodeType !== 1) continue;
      if (HEADINGS[tag(child)] !== undefined) return textOf(child).replace(/\s+/g, ' ').trim() === want;
      if (textOf(child).trim()) {
        stack.unshift(child);
        break;
      }
    }
  }
  return false;
}
