import type { Connection, Pool, Submittable } from 'pg';

/**
 * `COPY (…) TO STDOUT` on one client of the pool, each CopyData message handed to `onData` as it arrives
 * (docs/adr/0058-upload-rows-by-copy-binary.md). node-postgres decodes every column of a query result as
 * text (bytea as hex: a string twice the size of the bytes), while CopyData messages reach the query as
 * bytes; pg-copy-streams does the same over a Node stream, which this one reader does not need.
 *
 * The chunk is a view into the driver's read buffer, valid only during the call: copy what you keep. An
 * exception from `onData` fails the copy (the rest is read and dropped, then it rejects). The client is
 * discarded after any error, so no half-read COPY goes back to the pool.
 */
export async function copyOut(pool: Pool, text: string, onData: (chunk: Uint8Array) => void): Promise<void> {
  const client = await pool.connect();
  let failure: Error | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const query: Submittable & Record<string, unknown> = {
        submit(connection: Connection) {
          connection.query(text);
        },
        handleCopyData(msg: { chunk: Buffer }) {
          if (failure) return;
          try {
            onData(msg.chunk);
          } catch (err) {
            failure = err instanceof Error ? err : new Error(String(err));
          }
        },
        handleError(err: Error) {
          // A server error is followed by ReadyForQuery, a broken connection by nothing: settle now.
          failure ??= err;
          reject(failure);
        },
        handleReadyForQuery() {
          if (failure) reject(failure);
          else resolve();
        },
        // The other messages a query may get; a COPY TO answers none of them.
        handleCommandComplete() {},
        handleRowDescription() {},
        handleDataRow() {},
        handleEmptyQuery() {},
        handlePortalSuspended() {},
        handleCopyInResponse(connection: Connection & { sendCopyFail(msg: string): void }) {
          connection.sendCopyFail('copyOut reads only');
        },
      };
      client.query(query);
    });
  } finally {
    client.release(failure);
  }
}
