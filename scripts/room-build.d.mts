/** Types of scripts/room-build.mjs for the TypeScript callers (tests). */
export declare function buildRoom(
  esbuild: typeof import('esbuild'),
  consoleDir: string,
): Promise<{ js: string; css: string }>;
