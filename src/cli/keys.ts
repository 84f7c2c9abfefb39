import type { Config } from '../config.ts';
import {
  createKey,
  DEFAULT_GRACE_SECONDS,
  listKeys,
  MAX_GRACE_SECONDS,
  revokeKey,
  rotateKey,
} from '../core/api-keys.ts';
import { AppError } from '../core/errors.ts';
import { GRANTABLE_SCOPES, type Scope } from '../core/scopes.ts';
import { openDb } from '../storage/db.ts';
import { type CliIo, parse, UsageError } from './index.ts';

export async function keysCommand(config: Config, args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const db = await openDb(config.DATABASE_URL);
  try {
    switch (sub) {
      case 'create': {
        const { values } = parse(rest, {
          account: { type: 'string' },
          name: { type: 'string' },
          scopes: { type: 'string' },
          expires: { type: 'string' },
          operator: { type: 'boolean' },
        });
        const account = typeof values.account === 'string' ? values.account.trim() : '';
        if (!account) throw new UsageError('keys create needs --account NAME');
        const created = await createKey(db, account, new Date(), {
          name: typeof values.name === 'string' ? values.name.trim() || null : null,
          scopes: typeof values.scopes === 'string' ? scopesOf(values.scopes) : null,
          expiresAt: typeof values.expires === 'string' ? expiryOf(values.expires) : null,
          operator: values.operator === true,
        });
        io.stdout(`created key ${created.id} for account "${created.accountName}" (${created.accountId})\n`);
        io.stdout('the key is shown once; store it now:\n');
        io.stdout(`${created.key}\n`);
        return 0;
      }
      case 'list': {
        const keys = await listKeys(db);
        if (keys.length === 0) io.stdout('no keys\n');
        for (const k of keys) {
          const state = k.revoked_at
            ? `revoked ${k.revoked_at}`
            : k.expires_at
              ? `expires ${k.expires_at}`
              : 'active';
          const scopes = k.scopes === null ? 'all scopes' : `scopes=${k.scopes.join(',')}`;
          const extra = `${k.name ? `  name="${k.name}"` : ''}${k.operator ? '  operator' : ''}`;
          io.stdout(
            `${k.id}  ${k.prefix}…  account=${k.account_name}  created ${k.created_at}  ${state}  ${scopes}${extra}\n`,
          );
        }
        return 0;
      }
      case 'revoke': {
        const { positionals } = parse(rest, {});
        const id = positionals[0];
        if (!id) throw new UsageError('keys revoke needs a key id (see keys list)');
        if (!(await revokeKey(db, id))) {
          io.stderr(`personakit: no key with id ${id}\n`);
          return 1;
        }
        io.stdout(`revoked ${id}\n`);
        return 0;
      }
      case 'rotate': {
        const { values, positionals } = parse(rest, { grace: { type: 'string' } });
        const id = positionals[0];
        if (!id) throw new UsageError('keys rotate needs a key id (see keys list)');
        const grace = values.grace === undefined ? DEFAULT_GRACE_SECONDS : Number(values.grace);
        if (!Number.isInteger(grace) || grace < 0 || grace > MAX_GRACE_SECONDS)
          throw new UsageError(`--grace must be whole seconds from 0 to ${MAX_GRACE_SECONDS}`);
        try {
          const rotated = await rotateKey(db, id, grace, new Date());
          io.stdout(
            `created key ${rotated.info.id} in place of ${id}; ${id} works until the grace period ends\n`,
          );
          io.stdout('the key is shown once; store it now:\n');
          io.stdout(`${rotated.key}\n`);
          return 0;
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          io.stderr(`personakit: ${err.message}\n`);
          return 1;
        }
      }
      default:
        throw new UsageError('keys needs one of: create --account NAME, list, revoke ID, rotate ID');
    }
  } finally {
    await db.close();
  }
}

function scopesOf(list: string): Scope[] {
  const scopes = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const s of scopes)
    if (!(GRANTABLE_SCOPES as readonly string[]).includes(s))
      throw new UsageError(`unknown scope "${s}"; one of: ${GRANTABLE_SCOPES.join(', ')}`);
  if (scopes.length === 0) throw new UsageError('--scopes needs at least one scope');
  return scopes as Scope[];
}

function expiryOf(text: string): string {
  const t = Date.parse(text);
  if (!Number.isFinite(t)) throw new UsageError('--expires needs an ISO-8601 date or date-time');
  if (t <= Date.now()) throw new UsageError('--expires must be in the future');
  return new Date(t).toISOString();
}
