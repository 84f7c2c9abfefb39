import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { ownTurn } from '../src/loop-turns.ts';

/** ADR 0055: large pieces of work wait for a turn each, so the loop reads sockets between them. */

test('two large pieces of work that are ready together run in two turns, a socket read between them', async () => {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await once(client, 'connect');
  const [peer] = await accepted;
  const order: string[] = [];
  peer.on('data', () => order.push('socket read'));

  const a = ownTurn().then(() => {
    order.push('a');
    // Bytes arrive while `a` holds the loop: the poll phase that follows it reads them.
    client.write('x');
  });
  const b = ownTurn().then(() => order.push('b'));
  const c = ownTurn().then(() => order.push('c'));
  await Promise.all([a, b, c]);
  for (let i = 0; i < 20 && !order.includes('socket read'); i++) await new Promise((r) => setImmediate(r));

  assert.deepEqual(order, ['a', 'socket read', 'b', 'c']);
  client.destroy();
  peer.destroy();
  server.close();
});

test('waiters are let through first come, first served, also when queued while others run', async () => {
  const order: number[] = [];
  const all: Promise<void>[] = [];
  for (let i = 0; i < 5; i++) {
    all.push(
      ownTurn().then(() => {
        order.push(i);
        if (i === 1)
          all.push(
            ownTurn().then(() => {
              order.push(5);
            }),
          );
      }),
    );
  }
  await Promise.all(all);
  await all[5];
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5]);
});
