import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importFile, png, pngCard, storedPersona, zip } from './helpers/card-files.ts';
import { sillyTavernV2, tavernAiCard, v1Card, v3Card } from './helpers/card-samples.ts';
import { describeEachBackend } from './helpers/harness.ts';

describeEachBackend('Character card import', (h) => {
  test('V1 flat JSON: fields mapped, CRLF made LF, macros kept as written', async () => {
    const account = await h().newAccount();
    const res = await importFile(h(), account, Buffer.from(JSON.stringify(v1Card())), {
      contentType: 'application/json',
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.card, { format: 'json', spec: 'v1', files: 0 });
    assert.equal(res.body.name, 'Aria');
    assert.equal(res.body.description, 'A ship AI.\nShe speaks to <USER> calmly.');
    const p = await storedPersona(h(), res.body.id);
    assert.equal(p.accountId, account.accountId);
    assert.deepEqual(p.card, {
      personality: 'calm',
      firstMessage: 'Hello, {{user}}. I am {{char}}.',
      exampleDialogue: '<START>\n{{user}}: Status?\n{{char}}: Nominal.',
    });
    assert.equal(p.systemPrompt, null);
  });

  test('TavernAI spec "tavern_ai": flat fields read, a missing scenario is empty, extra keys kept', async () => {
    const account = await h().newAccount();
    const res = await importFile(h(), account, Buffer.from(JSON.stringify(tavernAiCard())));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.card.spec, 'tavern_ai');
    const p = await storedPersona(h(), res.body.id);
    assert.equal(p.name, 'Old Tom');
    assert.equal(p.card?.scenario, undefined);
    assert.deepEqual(p.card?.extra, {
      categories: ['fantasy'],
      nsfw: false,
      public_id: 'abc123',
      create_date: 1680000000000,
    });
  });

  test('SillyTavern hybrid V2: data wins over top-level copies, every quirk tolerated, nothing lost', async () => {
    const account = await h().newAccount();
    const res = await importFile(h(), account, Buffer.from(JSON.stringify(sillyTavernV2())), {
      multipart: true,
      fileName: 'seraphina.json',
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.card.spec, 'v2');
    const p = await storedPersona(h(), res.body.id);
    assert.equal(p.description, "Seraphina is a guardian of {{char}}'s forest.\nShe heals {{user}}.");
    assert.equal(p.systemPrompt, 'You are {{char}}. {{original}}');
    const c = p.card;
    assert.ok(c);
    assert.equal(c.scenario, '{{user}} wakes in the glade.');
    assert.equal(c.postHistoryInstructions, 'Stay in character. {{original}}');
    assert.deepEqual(c.alternateGreetings, ['Another greeting, {{user}}.']);
    assert.equal(c.groupOnlyGreetings, undefined);
    assert.equal(c.creator, undefined);
    assert.equal(c.characterVersion, '1.2');
    assert.equal(c.creatorNotes, 'Use with any model.');
    assert.deepEqual(c.tags, ['fantasy', 'healer']);
    assert.deepEqual(c.extensions, sillyTavernV2().data.extensions);
    assert.deepEqual(c.topLevel, {
      avatar: 'none',
      chat: 'Seraphina - 2023-5-12 @15h 10m 33s 511ms',
      create_date: '2023-5-12 @15h 10m 33s 511ms',
      talkativeness: '0.5',
      fav: false,
      creatorcomment: 'made with love',
    });
    const book = c.lorebook;
    assert.ok(book);
    assert.equal(book.scanDepth, 3);
    assert.deepEqual(book.extensions, {});
    assert.equal(book.entries[0]?.insertionOrder, 100);
    assert.equal(book.entries[0]?.useRegex, true);
    assert.deepEqual(book.entries[0]?.extensions, sillyTavernV2().data.character_book.entries[0]?.extensions);
    assert.equal(book.entries[1]?.position, undefined);
    assert.deepEqual(book.entries[1]?.extra, { position: 1 });
    assert.equal(book.entries[1]?.useRegex, false);
  });

  test('V3 JSON: nickname, group greetings, V3-only and unknown fields kept; regex keys checked', async () => {
    const account = await h().newAccount();
    const card = v3Card();
    const entry = card.data.character_book.entries[0] as { keys: string[]; id: number | string };
    entry.keys.push('(?<=x)lookbehind');
    entry.id = 'neon-1';
    const res = await importFile(h(), account, Buffer.from(JSON.stringify(card)));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.card.spec, 'v3');
    assert.equal(res.body.warnings.length, 1);
    assert.match(res.body.warnings[0], /lorebook entry 0 key "\(\?<=x\)lookbehind" never matches/);
    const p = await storedPersona(h(), res.body.id);
    assert.equal(p.card?.nickname, 'K');
    assert.deepEqual(p.card?.groupOnlyGreetings, ['Hey all.']);
    assert.deepEqual(p.card?.extra, {
      creator_notes_multilingual: { fr: 'Notes en français' },
      source: ['https://example.org/kai'],
      creation_date: 1700000000,
      x_app_field: { kept: true },
      assets: [{ type: 'icon', uri: 'ccdefault:', name: 'main', ext: 'png' }],
    });
    assert.equal(p.card?.lorebook?.entries[0]?.id, 'neon-1');
    assert.deepEqual(p.card?.lorebook?.entries[0]?.extra, { x_entry_field: 7 });
  });

  test('PNG with both chunks: ccv3 is read, the version comes from its spec; the image is kept', async () => {
    const account = await h().newAccount();
    const v3 = v3Card();
    const v2 = { spec: 'chara_card_v2', spec_version: '2.0', data: { ...v3.data, name: 'Backfill' } };
    const file = png([
      ['chara', Buffer.from(JSON.stringify(v2)).toString('base64')],
      ['ccv3', Buffer.from(JSON.stringify(v3)).toString('base64')],
    ]);
    const res = await importFile(h(), account, file, { multipart: true, fileName: 'kai.png' });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.card, { format: 'png', spec: 'v3', files: 1 });
    assert.equal(res.body.name, 'Kai');
    const images = await h()
      .services.db.kysely.selectFrom('persona_images')
      .selectAll()
      .where('persona_id', '=', res.body.id)
      .execute();
    assert.equal(images.length, 1);
    assert.equal(images[0]?.role, 'icon');
    // Stored without its card chunks: the same bytes as the picture alone.
    assert.deepEqual(Buffer.from(images[0]?.data ?? []), png());
  });

  test('PNG quirks: ccv3 holding relabelled V2 JSON, V3 JSON in chara, a capitalised keyword', async () => {
    const account = await h().newAccount();
    // SillyTavern's writer: the V2 JSON with only spec/spec_version changed, in ccv3.
    const relabelled = { ...sillyTavernV2(), spec: 'chara_card_v3', spec_version: '3.0' };
    const a = await importFile(h(), account, pngCard('ccv3', relabelled));
    assert.equal(a.status, 200, a.text);
    assert.equal(a.body.card.spec, 'v3');
    assert.equal(a.body.name, 'Seraphina');
    const b = await importFile(h(), account, pngCard('chara', v3Card()));
    assert.equal(b.status, 200, b.text);
    assert.equal(b.body.card.spec, 'v3');
    const c = await importFile(h(), account, pngCard('Chara', v1Card()));
    assert.equal(c.status, 200, c.text);
    assert.equal(c.body.card.spec, 'v1');
  });

  test('a ccv3 chunk that does not decode falls back to chara, with a warning', async () => {
    const account = await h().newAccount();
    const file = png([
      ['ccv3', 'not base64 json'],
      ['chara', Buffer.from(JSON.stringify(v1Card())).toString('base64')],
    ]);
    const res = await importFile(h(), account, file);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.name, 'Aria');
    assert.match(res.body.warnings[0], /"ccv3" chunk could not be read; used "chara"/);
  });

  test('CHARX: card.json, its icon kept as the image, other assets and app files kept', async () => {
    const account = await h().newAccount();
    const card = v3Card();
    card.data.assets = [
      { type: 'icon', uri: 'embeded://assets/icon/images/main.png', name: 'main', ext: 'png' },
      { type: 'background', uri: 'embeded://assets/background/images/bg.webp', name: 'bg', ext: 'webp' },
    ];
    const file = await zip([
      ['card.json', Buffer.from(JSON.stringify(card))],
      ['assets/icon/images/main.png', png([], [1, 2, 3])],
      ['assets/background/images/bg.webp', Buffer.from('RIFF0000WEBPdata')],
      ['x_meta/app.json', Buffer.from('{"app":1}')],
    ]);
    const res = await importFile(h(), account, file, { multipart: true, fileName: 'kai.charx' });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.card, { format: 'charx', spec: 'v3', files: 3 });
    const rows = await h()
      .services.db.kysely.selectFrom('persona_images')
      .selectAll()
      .where('persona_id', '=', res.body.id)
      .orderBy('path')
      .execute();
    assert.deepEqual(
      rows.map((r) => [r.path, r.role, r.media_type]),
      [
        ['assets/background/images/bg.webp', 'asset', 'image/webp'],
        ['assets/icon/images/main.png', 'icon', 'image/png'],
        ['x_meta/app.json', 'asset', 'application/json'],
      ],
    );
  });

  test('deleting the persona deletes its images', async () => {
    const account = await h().newAccount();
    const res = await importFile(h(), account, pngCard('chara', v1Card()));
    assert.equal(res.status, 200);
    const del = await h().request('DELETE', `/v1/personas/${res.body.id}`, { account });
    assert.equal(del.status, 204, del.text);
    const rows = await h()
      .services.db.kysely.selectFrom('persona_images')
      .selectAll()
      .where('persona_id', '=', res.body.id)
      .execute();
    assert.equal(rows.length, 0);
  });
});
