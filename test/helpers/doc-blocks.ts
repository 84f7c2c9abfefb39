/**
 * The shell examples of the README and the guides, as the docs test runs them. A fenced ```sh block is
 * run unless the line before it is a directive comment:
 *
 *   <!-- doc-test: skip <why> -->       not run (sets up the machine, starts a server, needs the internet)
 *   <!-- doc-test: exit <n> -->         run; its last command must exit with n (a documented failure)
 *
 * Blocks of one page run in order in one shell environment (variables carry over), against a server of
 * the page's own.
 */

export interface DocBlock {
  file: string;
  /** `sh` blocks run in the page's shell; `js` blocks run with node as an ES module, in that shell. */
  lang: 'sh' | 'js';
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  skip?: string;
  exit?: number;
}

const DIRECTIVE = /^<!--\s*doc-test:\s*(skip|exit)\s*(.*?)\s*-->$/;

export function shellBlocks(file: string, markdown: string): DocBlock[] {
  const lines = markdown.split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = lines[i]?.trim();
    if (fence !== '```sh' && fence !== '```bash' && fence !== '```js') continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i]?.trim() !== '```'; i++) body.push(lines[i] as string);
    const lang = fence === '```js' ? 'js' : 'sh';
    const block: DocBlock = { file, lang, line: start + 1, code: body.join('\n') };
    // The directive is the nearest non-blank line above the fence.
    let j = start - 1;
    while (j >= 0 && lines[j]?.trim() === '') j--;
    const m = DIRECTIVE.exec(lines[j]?.trim() ?? '');
    if (m?.[1] === 'skip') block.skip = m[2] || 'no reason given';
    if (m?.[1] === 'exit') block.exit = Number(m[2]);
    blocks.push(block);
  }
  return blocks;
}

/**
 * The page's script: each block sourced in turn under `set -e` (the first failing command ends it, and
 * the trap names the block), curl failing on HTTP errors, `npx personakit` meaning this checkout's CLI,
 * and the examples' server address replaced by the test server's.
 */
export function pageScript(
  blocks: DocBlock[],
  serverUrl: string,
  files: (b: DocBlock, n: number) => string,
): string {
  const host = serverUrl.replace(/^http:\/\//, '');
  const out = [
    'set -a -o pipefail',
    // --fail-with-body: a 4xx/5xx answer fails the example, its body still shown.
    'curl() { command curl --fail-with-body --max-time 30 "$@"; }',
    'npx() { if [ "$1" = personakit ]; then shift; node "$PERSONAKIT_ROOT/bin/personakit.js" "$@"; else echo "npx $1 is not run offline" >&2; return 97; fi; }',
  ];
  blocks.forEach((b, n) => {
    if (b.skip) return;
    const file = files(b, n);
    const code = b.code.replaceAll('http://127.0.0.1:8080', serverUrl).replaceAll('localhost:8080', host);
    const js = b.lang === 'js' ? jsModule(blocks.slice(0, n + 1), code) : undefined;
    out.push(`cat > '${file}' <<'DOC_BLOCK_${n}'`, js ?? code, `DOC_BLOCK_${n}`);
    out.push(`echo "::block ${b.file}:${b.line}" >&2`);
    if (js !== undefined) {
      out.push(`set -e; node '${file}'; set +e`);
    } else if (b.exit === undefined) {
      out.push(`set -e; source '${file}'; set +e`);
    } else {
      out.push(`set +e; ( set -e; source '${file}' ); rc=$?`);
      out.push(
        `[ "$rc" = ${b.exit} ] || { echo "::block ${b.file}:${b.line} exited $rc, documented ${b.exit}" >&2; exit 1; }`,
      );
    }
  });
  return out.join('\n');
}

/**
 * A JS example as a module: examples continue one another on a page (the second uses the first's
 * import), so the imports of the page's JS blocks so far come first, then this block's code in a scope
 * of its own (its `const client` does not clash with an earlier block's).
 */
function jsModule(upTo: DocBlock[], code: string): string {
  const imports = new Set<string>();
  for (const b of upTo) {
    if (b.lang !== 'js') continue;
    for (const line of b.code.split('\n')) if (line.startsWith('import ')) imports.add(line);
  }
  const body = code
    .split('\n')
    .filter((l) => !l.startsWith('import '))
    .join('\n');
  return `${[...imports].join('\n')}\n{\n${body}\n}\n`;
}
