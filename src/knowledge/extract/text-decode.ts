/**
 * Bytes of a text file to a string: a BOM decides; otherwise UTF-8 when it is valid, else Windows-1252
 * (what a text file that is not UTF-8 almost always is), so no file fails on its encoding alone.
 */
export function decodeText(bytes: Uint8Array): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    return new TextDecoder('utf-8').decode(bytes.subarray(3));
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

/** Lines without their terminators (\n, \r\n or \r). */
export const splitLines = (text: string) => text.split(/\r\n|\r|\n/);

/** The same lines one at a time, so a large text is never also held as an array of all its lines. */
export function* eachLine(text: string): Generator<string> {
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 10 && c !== 13) continue;
    yield text.slice(start, i);
    if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
    start = i + 1;
  }
  yield text.slice(start);
}
