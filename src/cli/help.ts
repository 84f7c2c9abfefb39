/**
 * Usage text per command and subcommand: `personakit <command> --help` (or `-h`, or `help <command>`)
 * prints it and exits 0 before any configuration is read or database opened.
 */
const client =
  'Talks to a running server: PERSONAKIT_URL (default http://127.0.0.1:8080) and PERSONAKIT_API_KEY.';

const exitCodes = `exit codes: 0 every check passed, 1 the request failed, 2 bad usage, 3 a check failed`;

export const commandHelp: Record<string, string> = {
  serve: `usage: personakit serve

Start the server (the default command). Configuration comes from the environment (PORT, HOST,
DATABASE_URL, …; see README.md). Stops cleanly on SIGTERM or SIGINT.
`,
  migrate: `usage: personakit migrate

Apply the database migrations (DATABASE_URL) and exit. The server also applies them at start.
`,
  keys: `usage: personakit keys <subcommand>

  create --account NAME     create an API key (the account too, if new); the key is the last line
  list                      list keys (never shows the keys themselves)
  revoke ID                 revoke a key at once
  rotate ID                 a new key in place of ID; the old one works for a grace period

Works on the database directly (DATABASE_URL); no server needed.
`,
  'keys create': `usage: personakit keys create --account NAME [--name TEXT] [--scopes LIST] [--expires ISO]
                            [--operator]

Create an API key for the account NAME (created if new). The key is shown once, as the last line of
stdout: store it.

  --name TEXT       a label shown in listings
  --scopes LIST     comma-separated scopes (personas:read,refine,...); default: every scope
  --expires ISO     when the key stops working (ISO-8601 date or date-time)
  --operator        an operator key: manages accounts and every account's keys over HTTP
`,
  'keys rotate': `usage: personakit keys rotate ID [--grace SECONDS]

Create a new key in place of ID (same account, name, scopes, budgets, expiry) and print it as the last
line of stdout. The old key keeps working for --grace seconds (default 86400; 0 revokes it at once).
`,
  'keys list': `usage: personakit keys list

List every key: id, prefix, account, creation time, state. The keys themselves are never shown.
`,
  'keys revoke': `usage: personakit keys revoke ID

Revoke the key with this id (see keys list) at once. Exit code 1 if there is no such key.
`,
  refine: `usage: personakit refine --persona ID [options] [TEXT]

Rewrite TEXT (or stdin) in a persona's voice, streaming the result to stdout; failed checks are
listed on stderr.

  --persona ID          the persona (required)
  --provider P          local (default), openai, anthropic, … (see README.md); a provider's key comes
                        from PERSONAKIT_PROVIDER_API_KEY, never from an argument
  --model M             the provider's model
  --base-url URL        the provider's base URL (openai-compatible)
  --temperature T       sampling temperature
  --max-tokens N        upper bound on generated tokens
  --enforce             repair the provider's output with the local rule engine before the checks

${client}
${exitCodes}.
`,
  check: `usage: personakit check --persona ID [--json] [TEXT]

Verify a persona's hard rules on TEXT (or stdin) without changing it (POST /v1/check): one line per
check on stdout, "pass" or "FAIL", the rule and what was found. With --json, the server's answer as is.

${client}
${exitCodes}.
`,
};

export const usage = `usage: personakit <command> [--help]

  serve                          start the server (default)
  migrate                        apply database migrations and exit
  keys create --account NAME     create an API key (the account too, if new); the key is the last line
  keys list                      list keys (never shows the keys themselves)
  keys revoke ID                 revoke a key at once
  keys rotate ID                 replace a key; the old one works for a grace period
  refine --persona ID [TEXT]     rewrite TEXT (or stdin) in a persona's voice through a running server
  check --persona ID [TEXT]      verify a persona's rules on TEXT (or stdin), without rewriting it
  help [COMMAND]                 this text, or a command's

Configuration comes from the environment; see README.md.
`;

const isHelpFlag = (a: string) => a === '--help' || a === '-h';

/**
 * The help text a command line asks for, or undefined. Options after `--` are text, not flags. For
 * `keys`, a known subcommand gets its own text.
 */
export function helpFor(command: string, rest: string[]): string | undefined {
  const end = rest.indexOf('--');
  const flags = end < 0 ? rest : rest.slice(0, end);
  if (!flags.some(isHelpFlag)) return undefined;
  const sub = command === 'keys' ? flags.find((a) => !a.startsWith('-')) : undefined;
  return (sub && commandHelp[`keys ${sub}`]) || commandHelp[command];
}
