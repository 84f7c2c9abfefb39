import jsonpatch, { type Operation } from 'fast-json-patch';
import { AppError } from '../../core/errors.ts';
import { MAX_JSON_DEPTH } from '../../core/json-shape.ts';
import { MAX_BODY_BYTES } from '../../http/json-body.ts';

const { applyOperation, getValueByPointer, validator } = jsonpatch;

/**
 * RFC 6902 applied op by op under the limits of a request body. A JSON Patch can amplify: each `copy`
 * doubles what it copies, so a 0.9 MB patch stored a 230 MB persona (36 s of CPU) and nested copies went
 * past the 64-level limit (a 500 in structuredClone). So before each operation the growth it would cause
 * is added to a running estimate of the document's JSON size and nesting, and the patch stops at the first
 * operation that crosses a limit, before that operation's work is done.
 *
 * The estimate counts UTF-16 units of the JSON text without escapes, so it never exceeds the UTF-8 size:
 * crossing it means the real document is too large. The exact byte size is checked once at the end.
 * Values are measured by walking them (strings cost O(1)); every walk is charged to a work budget, so a
 * patch that copies and removes the same large value over and over stops too. The library's own
 * validation is not used: for each `copy` or `move` it deep-clones the whole document to look up `from`.
 */

/** What a patch may leave behind and spend; the body's limits unless a test sets smaller ones. */
export interface PatchLimits {
  /** The patched document's JSON size in bytes (an older, larger persona keeps its size as its limit). */
  bytes: number;
  depth: number;
  /** Units of JSON measured (to copy, to credit removals, to check depth) over the whole patch. */
  work: number;
}

export const PATCH_LIMITS: PatchLimits = {
  bytes: MAX_BODY_BYTES,
  depth: MAX_JSON_DEPTH,
  work: 8 * MAX_BODY_BYTES,
};

/** The patch itself is malformed or does not apply to the document (the caller's 422). */
export class PatchFailure extends Error {}

const tooLarge = (bytes: number) =>
  new AppError('payload_too_large', `The patched persona would be larger than ${bytes} bytes`);
const tooCostly = () =>
  new AppError(
    'payload_too_large',
    'The patch copies or replaces too much content; send it as several smaller patches',
  );
const tooDeep = (depth: number) =>
  new AppError('invalid', `The patched persona would be nested more than ${depth} levels deep`);

/** JSON text size estimate and deepest container level below a value (-1 for a scalar). */
interface Measure {
  size: number;
  depth: number;
}

/**
 * Walks a value without recursion. Stops (undefined) once the estimate passes `cap`, so a walk never
 * costs more than what remains of the budget it is charged to.
 */
export function measure(value: unknown, cap: number): Measure | undefined {
  let size = 0;
  let depth = -1;
  const stack: [unknown, number][] = [[value, 0]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [v, level] = item;
    if (typeof v === 'string') size += v.length + 2;
    else if (typeof v === 'number') size += String(v).length;
    else if (typeof v === 'boolean') size += v ? 4 : 5;
    else if (v === null || typeof v !== 'object') size += 4;
    else {
      if (level > depth) depth = level;
      size += 2;
      if (Array.isArray(v)) {
        size += Math.max(0, v.length - 1);
        for (const x of v) stack.push([x, level + 1]);
      } else {
        for (const k in v) {
          size += k.length + 4;
          stack.push([(v as Record<string, unknown>)[k], level + 1]);
        }
      }
    }
    if (size > cap) return undefined;
  }
  return { size, depth };
}

const segments = (pointer: string) => (pointer === '' ? 0 : pointer.split('/').length - 1);

function valueAt(document: unknown, pointer: string): { found: boolean; value?: unknown } {
  if (pointer === '') return { found: true, value: document };
  try {
    const value: unknown = getValueByPointer(document, pointer);
    return { found: value !== undefined, value };
  } catch {
    return { found: false };
  }
}

/**
 * The library's checks of one operation against the document, done by pointer lookups (O(depth)). The
 * library calls it before walking the path (with the whole path) and where the path stops existing.
 */
function checkOperation(op: Operation, index: number, document: unknown, existing: string): void {
  validator(op, index);
  if (op.op === 'add') {
    const n = op.path.split('/').length;
    const m = existing.split('/').length;
    if (n !== m && n !== m + 1) throw new PatchFailure('add: the parent does not exist');
  } else if (op.op === 'replace' || op.op === 'remove') {
    if (op.path !== existing) throw new PatchFailure(`${op.op}: the path does not exist`);
  } else if (op.op === 'copy' || op.op === 'move') {
    if (!valueAt(document, op.from).found) throw new PatchFailure(`${op.op}: from does not exist`);
  }
}

/**
 * Applies `ops` to `document` (mutated in place; pass a copy) and returns the result. Throws PatchFailure
 * when the patch does not apply, an AppError (413, 400) when the result would pass a limit.
 */
export function applyBoundedPatch(
  document: unknown,
  ops: readonly Operation[],
  limits = PATCH_LIMITS,
): unknown {
  const text = JSON.stringify(document);
  const maxBytes = Math.max(limits.bytes, Buffer.byteLength(text));
  let size = text.length;
  let work = 0;
  const charge = (value: unknown): Measure => {
    const m = measure(value, limits.work - work);
    if (!m) throw tooCostly();
    work += m.size;
    return m;
  };
  const place = (pointer: string, m: Measure) => {
    if (m.depth >= 0 && segments(pointer) + m.depth >= limits.depth) throw tooDeep(limits.depth);
  };
  const grow = (by: number) => {
    size += by;
    if (size > maxBytes) throw tooLarge(maxBytes);
  };

  let doc = document;
  for (const [index, op] of ops.entries()) {
    if (typeof op !== 'object' || op === null) throw new PatchFailure('not an operation');
    const key = op.path.length - op.path.lastIndexOf('/') + 4;
    if (op.op === 'add') {
      const m = charge(op.value);
      place(op.path, m);
      grow(m.size + key);
    } else if (op.op === 'replace') {
      const m = charge(op.value);
      place(op.path, m);
      const old = valueAt(doc, op.path);
      grow(m.size - (old.found ? charge(old.value).size : 0));
    } else if (op.op === 'remove') {
      const old = valueAt(doc, op.path);
      if (old.found) size -= charge(old.value).size;
    } else if (op.op === 'copy') {
      const from = valueAt(doc, op.from);
      if (from.found) {
        // Capped by what the document may still grow, so measuring a too-large copy stops early.
        const room = maxBytes - size;
        const budget = limits.work - work;
        const m = measure(from.value, Math.min(room, budget));
        if (!m) throw room <= budget ? tooLarge(maxBytes) : tooCostly();
        work += m.size;
        place(op.path, m);
        grow(m.size + key);
      }
    } else if (op.op === 'move') {
      // A move keeps the size (the key aside); it can only deepen what it moves to a longer path.
      const from = valueAt(doc, op.from);
      if (from.found && segments(op.path) > segments(op.from)) place(op.path, charge(from.value));
      grow(key);
    }
    try {
      doc = applyOperation(doc, op, checkOperation, true, true, index).newDocument;
    } catch (err) {
      throw new PatchFailure(err instanceof Error ? err.message : String(err));
    }
  }
  if (doc !== null && typeof doc === 'object' && Buffer.byteLength(JSON.stringify(doc)) > maxBytes) {
    throw tooLarge(maxBytes);
  }
  return doc;
}
