import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CCardLib } from '@risuai/ccardlib';
import { parseToV2, v2 as v2Schema } from 'character-card-utils';
import {
  exportFile,
  fromB64Json,
  importFile,
  pixelsOf,
  png,
  pngCard,
  storedPersona,
  textChunksOf,
  unzip,
  zip,
} from './helpers/card-files.ts';
import { sillyTavernV2, v1Card, v3Card } from './helpers/card-samples.ts';
import { type Account, describeEachBackend, type Harness } from './helpers/harness.ts';
import { newClip, newPersona } from './helpers/suno.ts';

// biome-ignore lint/suspicious/noExplicitAny: cards are arbitrary JSON
type Card = Record<string, any>;

/** What makes two personas "the same": every field a card carries, as stored. */
async function sameness(h: Harness, id: string) {
  const p = await storedPersona(h, id);
  return {
    name: p.name,
    description: p.description,
    attributes: p.attributes,
    systemPrompt: p.systemPrompt,
    context: p.context,
    card: p.card,
    files: (
      await h.services.db.kysely
        .selectFrom('persona_images')
        .select(['path', 'role', 'data'])
        .where('persona_id', '=', id)
        .orderBy('path')
        .execute()
    ).map((r) => ({ path: r.path, role: r.role, data: Buffer.from(r.data).toString('base64') })),
  };
}

async function imported(h: Harness, account: Account, file: Buffer): Promise<string> {
  const res = await importFile(h, account, file);
  assert.equal(res.status, 200, res.text);
  return res.body.id;
}

describeEachBackend('Character card export', (h) => {
  test('JSON (V3 by default): ccardlib says v3; every kept field, extension and top-level key comes back', async () => {
    const account = await h().newAccount();
    const id = await imported(h(), account, Buffer.from(JSON.stringify(sillyTavernV2())));
    const res = await exportFile(h(), account, id, '?format=json');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="Seraphina\.json"$/);
    const card: Card = JSON.parse(res.bytes.toString());
    assert.equal(CCardLib.character.check(card), 'v3');
    assert.equal(card.spec, 'chara_card_v3');
    assert.equal(card.spec_version, '3.0');
    const source = sillyTavernV2();
    assert.equal(card.talkativeness, '0.5');
    assert.equal(card.chat, source.chat);
    const d = card.data;
    assert.equal(d.name, 'Seraphina');
    assert.equal(d.system_prompt, source.data.system_prompt);
    assert.equal(d.post_history_instructions, source.data.post_history_instructions);
    assert.equal(d.creator_notes, source.data.creator_notes);
    assert.equal(d.creator, '');
    assert.equal(d.character_version, '1.2');
    assert.deepEqual(d.group_only_greetings, []);
    assert.deepEqual(d.extensions, source.data.extensions);
    assert.equal(typeof d.modification_date, 'number');
    const entries = d.character_book.entries;
    assert.deepEqual(entries[0].extensions, source.data.character_book.entries[0]?.extensions);
    assert.equal(entries[0].insertion_order, 100);
    // A position the spec does not name travels in the entry's extensions (the card stays valid).
    assert.equal(entries[1].position, undefined);
    assert.equal(entries[1].extensions['personakit/position'], 1);
    assert.equal(entries[1].use_regex, false);
    assert.deepEqual(d.character_book.extensions, {});
  });

  test('JSON spec=v2: a V2 card that character-card-utils and ccardlib accept, decorators removed', async () => {
    const account = await h().newAccount();
    const id = await imported(h(), account, Buffer.from(JSON.stringify(v3Card())));
    const res = await exportFile(h(), account, id, '?format=json&spec=v2');
    const card: Card = JSON.parse(res.bytes.toString());
    assert.equal(card.spec, 'chara_card_v2');
    assert.equal(v2Schema.safeParse(card).success, true);
    assert.equal(CCardLib.character.check(card), 'v2');
    assert.equal(card.data.character_book.entries[0].content, 'The neon city never sleeps.');
    // V3-only fields stay as fields a V2 reader keeps.
    assert.equal(card.data.nickname, 'K');
  });

  test('PNG: the imported image with ccv3 (V3) and a V2 backfill in chara, read by independent libraries', async () => {
    const account = await h().newAccount();
    const original = png(
      [['chara', Buffer.from(JSON.stringify(sillyTavernV2())).toString('base64')]],
      [10, 200, 30],
      8,
    );
    const id = await imported(h(), account, original);
    const res = await exportFile(h(), account, id);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    const chunks = textChunksOf(res.bytes); // png-chunks-extract: checks every CRC
    assert.deepEqual([...chunks.keys()].sort(), ['ccv3', 'chara']);
    const v3 = fromB64Json(chunks.get('ccv3')) as Card;
    assert.equal(CCardLib.character.check(v3), 'v3');
    const backfill = parseToV2(fromB64Json(chunks.get('chara')));
    assert.equal(backfill.spec, 'chara_card_v2');
    assert.equal(backfill.data.name, 'Seraphina');
    assert.equal(backfill.data.character_book?.entries.length, 2);
    assert.deepEqual(pixelsOf(res.bytes), pixelsOf(original));
  });

  test('PNG spec=v2 carries chara only', async () => {
    const account = await h().newAccount();
    const id = await imported(h(), account, Buffer.from(JSON.stringify(v1Card())));
    const res = await exportFile(h(), account, id, '?format=png&spec=v2');
    const chunks = textChunksOf(res.bytes);
    assert.deepEqual([...chunks.keys()], ['chara']);
    assert.equal(parseToV2(fromB64Json(chunks.get('chara'))).data.name, 'Aria');
  });

  test('CHARX: card.json (v3) with the icon and every asset at its path', async () => {
    const account = await h().newAccount();
    const card = v3Card();
    card.data.assets = [
      { type: 'icon', uri: 'embeded://assets/icon/images/main.png', name: 'main', ext: 'png' },
      { type: 'emotion', uri: 'embeded://assets/emotion/images/happy.png', name: 'happy', ext: 'png' },
    ];
    const icon = png([], [5, 6, 7]);
    const happy = png([], [9, 9, 9]);
    const file = await zip([
      ['card.json', Buffer.from(JSON.stringify(card))],
      ['assets/icon/images/main.png', icon],
      ['assets/emotion/images/happy.png', happy],
    ]);
    const id = await imported(h(), account, file);
    const res = await exportFile(h(), account, id, '?format=charx');
    assert.equal(res.headers.get('content-type'), 'application/zip');
    const files = await unzip(res.bytes);
    assert.deepEqual([...files.keys()].sort(), [
      'assets/emotion/images/happy.png',
      'assets/icon/images/main.png',
      'card.json',
    ]);
    const out: Card = JSON.parse(files.get('card.json')?.toString() ?? '');
    assert.equal(CCardLib.character.check(out), 'v3');
    assert.deepEqual(out.data.assets, card.data.assets);
    assert.deepEqual(files.get('assets/icon/images/main.png'), icon);
    assert.deepEqual(files.get('assets/emotion/images/happy.png'), happy);
  });

  test('CHARX of a persona imported from PNG: its image becomes the main icon asset', async () => {
    const account = await h().newAccount();
    const id = await imported(h(), account, pngCard('ccv3', v3Card(), [1, 100, 1]));
    const files = await unzip((await exportFile(h(), account, id, '?format=charx')).bytes);
    const out: Card = JSON.parse(files.get('card.json')?.toString() ?? '');
    assert.deepEqual(out.data.assets, [
      { type: 'icon', uri: 'embeded://assets/icon/images/main.png', name: 'main', ext: 'png' },
    ]);
    assert.deepEqual(files.get('assets/icon/images/main.png'), png([], [1, 100, 1]));
  });

  for (const [format, build] of [
    ['json', () => Buffer.from(JSON.stringify(sillyTavernV2()))],
    ['png', () => pngCard('ccv3', v3Card())],
    ['png', () => png([['chara', Buffer.from(JSON.stringify(sillyTavernV2())).toString('base64')]])],
    [
      'charx',
      () => {
        const card = v3Card();
        card.data.assets = [
          { type: 'icon', uri: 'embeded://assets/icon/images/main.png', name: 'main', ext: 'png' },
        ];
        return zip([
          ['card.json', Buffer.from(JSON.stringify(card))],
          ['assets/icon/images/main.png', png()],
          ['module.risum', Buffer.from([1, 2, 3])],
        ]);
      },
    ],
  ] as const) {
    test(`round trip: import → export ${format} → import gives the same persona`, async () => {
      const account = await h().newAccount();
      const first = await imported(h(), account, await build());
      const exported = await exportFile(h(), account, first, `?format=${format}`);
      assert.equal(exported.status, 200);
      const second = await imported(h(), account, exported.bytes);
      assert.notEqual(second, first);
      assert.deepEqual(await sameness(h(), second), await sameness(h(), first));
    });
  }

  test('personas made through /v1 and /v2 export (default image) and import back with their fields', async () => {
    const account = await h().newAccount();
    const v1 = await h().request('POST', '/v1/personas', {
      account,
      json: {
        name: 'Support',
        description: 'Billing help.',
        attributes: { tone: 'warm', formality: 'casual' },
      },
    });
    assert.equal(v1.status, 200, v1.text);
    const v2 = await h().request('POST', '/v2/personas', {
      account,
      json: { persona_name: 'Guide', system_prompt: 'You guide visitors.', context: 'A museum tour.' },
    });
    assert.equal(v2.status, 200, v2.text);
    for (const id of [v1.body.id, v2.body.persona_id]) {
      const exported = await exportFile(h(), account, id);
      assert.equal(exported.status, 200);
      const chunks = textChunksOf(exported.bytes); // a valid PNG: the generated default image
      const card = fromB64Json(chunks.get('ccv3')) as Card;
      assert.equal(CCardLib.character.check(card), 'v3');
      const back = await imported(h(), account, exported.bytes);
      const a = await storedPersona(h(), id);
      const b = await storedPersona(h(), back);
      assert.equal(b.name, a.name);
      assert.equal(b.description, a.description);
      assert.deepEqual(b.attributes, a.attributes);
      assert.equal(b.systemPrompt, a.systemPrompt);
      assert.equal(b.context, a.context);
    }
    const guide = fromB64Json(
      textChunksOf((await exportFile(h(), account, v2.body.persona_id)).bytes).get('ccv3'),
    ) as Card;
    assert.equal(guide.data.system_prompt, 'You guide visitors.');
    assert.equal(guide.data.scenario, 'A museum tour.');
    assert.deepEqual(guide.data.extensions.personakit, { context: 'A museum tour.' });
    const support = JSON.parse(
      (await exportFile(h(), account, v1.body.id, '?format=json')).bytes.toString(),
    ) as Card;
    assert.deepEqual(support.data.extensions.personakit, {
      attributes: { tone: 'warm', formality: 'casual' },
    });
  });

  test('a /suno music persona exports with its style and imports back as a plain persona', async () => {
    const account = await h().newAccount();
    const clip = await newClip(h(), account);
    const music = await newPersona(h(), account, clip.id);
    const id = music.persona_id ?? music.id;
    const exported = await exportFile(h(), account, id, '?format=json');
    assert.equal(exported.status, 200);
    const card: Card = JSON.parse(exported.bytes.toString());
    assert.equal(CCardLib.character.check(card), 'v3');
    assert.equal(card.data.name, 'Neon');
    assert.equal(card.data.description, 'Night music');
    const source = await storedPersona(h(), id);
    // The clip's tags became the music persona's style attributes; they travel in the card.
    assert.ok(Object.keys(source.attributes).length > 0);
    assert.deepEqual(card.data.extensions.personakit.attributes, source.attributes);
    const back = await storedPersona(h(), await imported(h(), account, exported.bytes));
    assert.equal(back.name, source.name);
    assert.deepEqual(back.attributes, source.attributes);
  });
});
