import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_CARD_FILE_BYTES } from '../src/surfaces/opengiant/card-upload.ts';
import { fromB64Json, pngCard, textChunksOf } from './helpers/card-files.ts';
import { sillyTavernV2 } from './helpers/card-samples.ts';
import { describeEachBackend, listen } from './helpers/harness.ts';

/** Over a real socket, as `serve` runs: raw bodies are read from Node's request, multipart from the stream. */
describeEachBackend('Character cards over a socket', (h) => {
  test('raw and multipart PNG imports, a PNG export, and a 413 for an oversized body', async () => {
    const server = await listen(h());
    try {
      const account = await h().newAccount();
      const file = pngCard('chara', sillyTavernV2());
      const raw = await fetch(`${server.url}/v1/personas/import`, {
        method: 'POST',
        headers: { ...account.auth, 'content-type': 'image/png' },
        body: new Uint8Array(file),
      });
      assert.equal(raw.status, 200, await raw.clone().text());
      const id = ((await raw.json()) as { id: string }).id;
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(file)]), 'seraphina.png');
      const multipart = await fetch(`${server.url}/v1/personas/import`, {
        method: 'POST',
        headers: account.auth,
        body: form,
      });
      assert.equal(multipart.status, 200);
      const json = await fetch(`${server.url}/v1/personas/import`, {
        method: 'POST',
        headers: { ...account.auth, 'content-type': 'application/json' },
        body: JSON.stringify(sillyTavernV2()),
      });
      assert.equal(json.status, 200);
      assert.equal(((await json.json()) as { card: { format: string } }).card.format, 'json');
      const exported = await fetch(`${server.url}/v1/personas/${id}/export`, { headers: account.auth });
      assert.equal(exported.status, 200);
      const card = fromB64Json(textChunksOf(Buffer.from(await exported.arrayBuffer())).get('ccv3')) as {
        data: { name: string };
      };
      assert.equal(card.data.name, 'Seraphina');
      const big = await fetch(`${server.url}/v1/personas/import`, {
        method: 'POST',
        headers: { ...account.auth, 'content-type': 'application/octet-stream' },
        body: new Uint8Array(MAX_CARD_FILE_BYTES + 1),
      });
      assert.equal(big.status, 413);
      assert.deepEqual(((await big.json()) as { error: number }).error, 413);
    } finally {
      await server.close();
    }
  });
});
