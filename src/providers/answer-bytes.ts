import { nestedTooDeep } from '../core/json-shape.ts';
import { MAX_ANSWER_DEPTH, WireError } from './wire.ts';

/**
 * The parse of a large JSON answer, as it runs in the worker (large-answer.ts): decode, parse, and bound
 * what the event loop will have to rebuild from it. A parsed value crosses back by structured clone,
 * whose cost on the receiving thread grows with the number of values (a string is one copy, fast); a
 * hostile upstream could otherwise answer 16 MiB of tiny values and make that clone as slow as the parse
 * it replaced. Real answers (a completion, tool calls, usage) hold a few dozen values.
 */
export const MAX_ANSWER_VALUES = 20_000;

export function parseAnswerBytes(bytes: Uint8Array, what: string): unknown {
  let value: unknown;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  try {
    value = JSON.parse(text);
  } catch {
    throw new WireError(`${what} is not JSON`);
  }
  if (nestedTooDeep(text, MAX_ANSWER_DEPTH)) {
    throw new WireError(`${what} is nested more than ${MAX_ANSWER_DEPTH} levels deep`);
  }
  // Every value but the first takes at least two bytes (itself and a `,`, `:` or `[` before it), so a
  // shorter body cannot hold too many: the walk is skipped for every ordinary answer.
  if (
    bytes.byteLength >= 2 * MAX_ANSWER_VALUES &&
    countValues(value, MAX_ANSWER_VALUES) > MAX_ANSWER_VALUES
  ) {
    throw new WireError(`${what} holds more than ${MAX_ANSWER_VALUES} JSON values`);
  }
  return value;
}

/** Values in `value` (itself included), counting stops past `max`. Iterative: nesting is unbounded here. */
function countValues(value: unknown, max: number): number {
  const stack: unknown[] = [value];
  let n = 0;
  while (stack.length > 0 && n <= max) {
    const v = stack.pop();
    n++;
    if (typeof v === 'object' && v !== null) {
      for (const x of Array.isArray(v) ? v : Object.values(v)) stack.push(x);
    }
  }
  return n;
}
