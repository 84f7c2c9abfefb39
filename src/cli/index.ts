import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.ts';
import { redactUrlCredentials } from '../core/redact-url.ts';
import { keysCommand } from './keys.ts';
import { migrateCommand } from './migrate.ts';
import { refineCommand } from './refine.ts';
import { serveCommand } from './serve.ts';

export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

const usage = `usage: personakit <command>

  serve                          start the server (default)
  migrate                        apply database migrations and exit
  keys create --account NAME     create an API key (the account too, if new); the key is the last line
  keys list                      list keys (never shows the keys themselves)
  keys revoke ID                 revoke a key at once
  refine --persona ID [TEXT]     rewrite TEXT (or stdin) in a persona's voice through a running server,
         [--provider P] [--model M] [--enforce] [--temperature T] [--max-tokens N] [--base-url URL]
                                 streaming to stdout (PERSONAKIT_URL, PERSONAKIT_API_KEY; a provider's
                                 key in PERSONAKIT_PROVIDER_API_KEY; default provider: local)

Configuration comes from the environment; see README.md.
`;

/** Returns the process exit code. Bad configuration is one line on stderr naming the variable. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serveCommand(loadConfig(io.env), io);
      case 'migrate':
        return await migrateCommand(loadConfig(io.env), io);
      case 'keys':
        return await keysCommand(loadConfig(io.env), rest, io);
      case 'refine':
        return await refineCommand(loadConfig(io.env), rest, io);
      case 'help':
      case '--help':
      case '-h':
        io.stdout(usage);
        return 0;
      default:
        io.stderr(`personakit: unknown command "${command}"\n\n${usage}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`personakit: ${err.message}\n`);
      return 78;
    }
    if (err instanceof UsageError) {
      io.stderr(`personakit: ${err.message}\n`);
      return 2;
    }
    // A driver's error may quote the connection URL it was given, password included.
    io.stderr(`personakit: ${redactUrlCredentials(err instanceof Error ? err.message : String(err))}\n`);
    return 1;
  }
}

export class UsageError extends Error {}

export function parse(args: string[], options: ParseArgsOptionsConfig) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}
