import type { Config } from '../config.ts';
import { createKey, listKeys, revokeKey } from '../core/api-keys.ts';
import { openDb } from '../storage/db.ts';
import { type CliIo, parse, UsageError } from './index.ts';

export async function keysCommand(config: Config, args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const db = await openDb(config.DATABASE_URL);
  try {
    switch (sub) {
      case 'create': {
        const { values } = parse(rest, { account: { type: 'string' } });
        const account = typeof values.account === 'string' ? values.account.trim() : '';
        if (!account) throw new UsageError('keys create needs --account NAME');
        const created = await createKey(db, account);
        io.stdout(`created key ${created.id} for account "${created.accountName}" (${created.accountId})\n`);
        io.stdout('the key is shown once; store it now:\n');
        io.stdout(`${created.key}\n`);
        return 0;
      }
      case 'list': {
        const keys = await listKeys(db);
        if (keys.length === 0) io.stdout('no keys\n');
        for (const k of keys) {
          const state = k.revoked_at ? `revoked ${k.revoked_at}` : 'active';
          io.stdout(`${k.id}  ${k.prefix}…  account=${k.account_name}  created ${k.created_at}  ${state}\n`);
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
      default:
        throw new UsageError('keys needs one of: create --account NAME, list, revoke ID');
    }
  } finally {
    await db.close();
  }
}
