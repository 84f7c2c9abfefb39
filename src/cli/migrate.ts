import type { Config } from '../config.ts';
import { openDb } from '../storage/db.ts';
import { migrateToLatest } from '../storage/migrations.ts';
import type { CliIo } from './index.ts';

export async function migrateCommand(config: Config, io: CliIo): Promise<number> {
  const db = await openDb(config.DATABASE_URL, { migrate: false });
  try {
    const applied = await migrateToLatest(db.kysely as never);
    io.stdout(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
    return 0;
  } finally {
    await db.close();
  }
}
