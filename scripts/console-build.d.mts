/** Types of scripts/console-build.mjs for the TypeScript callers (tests, bench). */
export declare function buildConsole(
  esbuild: typeof import('esbuild'),
  outdir: string,
): Promise<{ js: string; css: string }>;
export declare function buildRoom(
  esbuild: typeof import('esbuild'),
  consoleDir: string,
): Promise<{ js: string; css: string }>;
