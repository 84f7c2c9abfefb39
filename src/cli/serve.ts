import type { Config } from '../config.ts';
import { createLogger } from '../log.ts';
import { bootstrapKey, startServer } from '../server.ts';
import { createServices } from '../services.ts';
import type { CliIo } from './index.ts';

/** Runs until SIGTERM/SIGINT, then drains and exits 0. */
export async function serveCommand(config: Config, io: CliIo): Promise<number> {
  const log = createLogger(config);
  const services = await createServices(config, log);
  await bootstrapKey(services, io.stderr);
  const server = await startServer(services);
  io.stderr(`personakit: console at ${server.url}/console (sign in with an API key)\n`);
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'signal received');
      server.close().then(resolve, (err) => {
        log.error({ err }, 'error while shutting down');
        resolve();
      });
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  return 0;
}
