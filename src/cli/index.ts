import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.ts';
import { redactUrlCredentials } from '../core/redact-url.ts';
import { checkCommand } from './check.ts';
import { commandHelp, helpFor, usage } from './help.ts';
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

/** Returns the process exit code. Bad configuration is one line on stderr naming the variable. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  if (command === 'help') {
    const topic = rest.join(' ');
    const text = topic ? commandHelp[topic] : usage;
    if (text === undefined) {
      io.stderr(`personakit: no help for "${topic}"\n\n${usage}`);
      return 2;
    }
    io.stdout(text);
    return 0;
  }
  const help = helpFor(command, rest);
  if (help !== undefined) {
    io.stdout(help);
    return 0;
  }
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
      case 'check':
        return await checkCommand(loadConfig(io.env), rest, io);
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
