import { XMLParser } from 'fast-xml-parser';
import type { BlockCollector } from './blocks.ts';
import { KnowledgeError } from './types.ts';

/** fast-xml-parser's preserveOrder shape: `{ tag: children, ':@': attributes }` or `{ '#text': value }`. */
type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  processEntities: true,
  htmlEntities: false,
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
});

/** OOXML parts never declare a DTD; one that does is refused before parsing (no entity expansion games). */
function parseXml(xml: Buffer | undefined, part: string): XmlNode[] {
  if (!xml) return [];
  const text = xml.toString('utf8');
  if (text.includes('<!DOCTYPE') || text.includes('<!ENTITY')) {
    throw new KnowledgeError(
      'file_format_unsupported',
      `The presentation's ${part} declares a DTD, which Office files never do.`,
    );
  }
  return parser.parse(text) as XmlNode[];
}

const nameOf = (node: XmlNode) => Object.keys(node).find((k) => k !== ':@') ?? '';
const kids = (node: XmlNode): XmlNode[] => {
  const value = node[nameOf(node)];
  return Array.isArray(value) ? (value as XmlNode[]) : [];
};
const attr = (node: XmlNode, name: string) => {
  const attrs = node[':@'] as Record<string, unknown> | undefined;
  const value = attrs?.[name];
  return typeof value === 'string' ? value : undefined;
};
const find = (nodes: XmlNode[], name: string) => nodes.find((n) => nameOf(n) === name);

/** Text of an `a:p` paragraph: runs, fields and line breaks. */
function paragraphText(p: XmlNode): string {
  let text = '';
  const visit = (nodes: XmlNode[]) => {
    for (const n of nodes) {
      const name = nameOf(n);
      if (name === 'a:t')
        text += kids(n)
          .map((t) => String(t['#text'] ?? ''))
          .join('');
      else if (name === 'a:br') text += '\n';
      else if (name === 'a:r' || name === 'a:fld') visit(kids(n));
    }
  };
  visit(kids(p));
  return text;
}

/** All `a:p` paragraphs under a node, in document order. */
function paragraphsUnder(nodes: XmlNode[], acc: string[] = []): string[] {
  for (const n of nodes) {
    if (nameOf(n) === 'a:p') acc.push(paragraphText(n));
    else if (nameOf(n) !== '#text') paragraphsUnder(kids(n), acc);
  }
  return acc;
}

/** Placeholders that repeat on every slide and say nothing about it. */
const BOILERPLATE = new Set(['sldNum', 'dt', 'ftr', 'hdr', 'sldImg']);

interface Shape {
  kind: 'title' | 'text' | 'table';
  lines: string[];
  rows?: string[][];
}

function shapesOf(tree: XmlNode[], acc: Shape[] = []): Shape[] {
  for (const n of tree) {
    const name = nameOf(n);
    if (name === 'p:grpSp') shapesOf(kids(n), acc);
    else if (name === 'p:sp') {
      const nvPr = find(kids(find(kids(n), 'p:nvSpPr') ?? {}), 'p:nvPr');
      const ph = nvPr ? find(kids(nvPr), 'p:ph') : undefined;
      const type = ph ? (attr(ph, 'type') ?? 'body') : undefined;
      if (type && BOILERPLATE.has(type)) continue;
      const lines = paragraphsUnder(kids(find(kids(n), 'p:txBody') ?? {}));
      acc.push({ kind: type === 'title' || type === 'ctrTitle' ? 'title' : 'text', lines });
    } else if (name === 'p:graphicFrame') {
      const rows: string[][] = [];
      const visit = (nodes: XmlNode[]) => {
        for (const c of nodes) {
          if (nameOf(c) === 'a:tr') {
            rows.push(
              kids(c)
                .filter((tc) => nameOf(tc) === 'a:tc')
                .map((tc) => paragraphsUnder(kids(tc)).join(' ')),
            );
          } else if (nameOf(c) !== '#text') visit(kids(c));
        }
      };
      visit(kids(n));
      if (rows.length > 0) acc.push({ kind: 'table', lines: [], rows });
    }
  }
  return acc;
}

function spTree(doc: XmlNode[]): XmlNode[] {
  const root = doc.find((n) => nameOf(n) === 'p:sld' || nameOf(n) === 'p:notes');
  const cSld = root ? find(kids(root), 'p:cSld') : undefined;
  const tree = cSld ? find(kids(cSld), 'p:spTree') : undefined;
  return tree ? kids(tree) : [];
}

/** Relationship id → target, from a .rels part. */
function relations(doc: XmlNode[]): Map<string, { target: string; type: string }> {
  const map = new Map<string, { target: string; type: string }>();
  const root = doc.find((n) => nameOf(n) === 'Relationships');
  for (const rel of root ? kids(root) : []) {
    const id = attr(rel, 'Id');
    const target = attr(rel, 'Target');
    if (id && target) map.set(id, { target, type: attr(rel, 'Type') ?? '' });
  }
  return map;
}

/** `slides/slide1.xml` relative to `ppt/` → `ppt/slides/slide1.xml`; `../notesSlides/n.xml` from `ppt/slides/`. */
function resolvePart(base: string, target: string): string {
  const parts = base.split('/').filter(Boolean);
  for (const seg of target.split('/')) {
    if (seg === '..') parts.pop();
    else if (seg !== '.' && seg !== '') parts.push(seg);
  }
  return parts.join('/');
}

const slideNumber = (name: string) => Number.parseInt(name.slice(name.lastIndexOf('slide') + 5), 10) || 0;

/** The slides in presentation order (the slide list), else by their file numbers. */
function slideOrder(parts: Map<string, Buffer>): string[] {
  const pres = parseXml(parts.get('ppt/presentation.xml'), 'presentation');
  const rels = relations(parseXml(parts.get('ppt/_rels/presentation.xml.rels'), 'relationships'));
  const root = pres.find((n) => nameOf(n) === 'p:presentation');
  const list = root ? find(kids(root), 'p:sldIdLst') : undefined;
  const ordered = (list ? kids(list) : [])
    .map((s) => rels.get(attr(s, 'r:id') ?? ''))
    .filter((r) => r !== undefined)
    .map((r) => resolvePart('ppt', r.target))
    .filter((name) => parts.has(name));
  if (ordered.length > 0) return ordered;
  return [...parts.keys()]
    .filter((k) => k.startsWith('ppt/slides/slide') && k.endsWith('.xml'))
    .sort((a, b) => slideNumber(a) - slideNumber(b));
}

export const isPptxPart = (name: string) =>
  name === 'ppt/presentation.xml' ||
  name === 'ppt/_rels/presentation.xml.rels' ||
  (name.startsWith('ppt/slides/') && (name.endsWith('.xml') || name.endsWith('.rels'))) ||
  (name.startsWith('ppt/notesSlides/') && name.endsWith('.xml'));

function emitShapes(shapes: Shape[], out: BlockCollector) {
  for (const shape of shapes) {
    if (shape.kind === 'table' && shape.rows) {
      const [header, ...rest] = shape.rows;
      for (const row of rest.length > 0 ? rest : shape.rows) {
        const cells = row.map((cell, i) =>
          rest.length > 0 && header?.[i]?.trim() ? `${header[i]?.trim()}: ${cell}` : cell,
        );
        out.add('table-row', cells.filter((c) => c.trim()).join('; '));
      }
    } else if (shape.kind === 'text') {
      const lines = shape.lines.filter((l) => l.trim());
      out.add(lines.length > 1 ? 'list' : 'paragraph', lines.join('\n'));
    }
  }
}

/** One page per slide; the title placeholder is the slide's heading; speaker notes follow the slide's text. */
export function parsePptx(parts: Map<string, Buffer>, out: BlockCollector): { title?: string } {
  let first: string | undefined;
  slideOrder(parts).forEach((name, i) => {
    out.resetHeadings();
    out.position = { page: i + 1 };
    const shapes = shapesOf(spTree(parseXml(parts.get(name), name)));
    const title = shapes
      .find((s) => s.kind === 'title')
      ?.lines.join(' ')
      .trim();
    if (title) {
      first ??= title;
      out.heading(title, 1);
    }
    emitShapes(shapes, out);
    const dir = name.slice(0, name.lastIndexOf('/'));
    const relsName = `${dir}/_rels/${name.slice(dir.length + 1)}.rels`;
    for (const rel of relations(parseXml(parts.get(relsName), relsName)).values()) {
      if (!rel.type.endsWith('/notesSlide')) continue;
      const notes = shapesOf(spTree(parseXml(parts.get(resolvePart(dir, rel.target)), 'notes')));
      emitShapes(notes, out);
    }
  });
  return first ? { title: first } : {};
}
