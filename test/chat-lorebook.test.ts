import assert from 'node:assert/strict';
import { test } from 'node:test';
import { previewPrompt } from '../src/chat/engine.ts';
import { RequestCtx } from '../src/http/request-ctx.ts';
import { describeEachBackend } from './helpers/harness.ts';

/**
 * A card's lorebook works in the chat engine as the spec says (issue 16): an imported card's entries
 * reach the prompt only when their keys appear in the recent turns, constant entries always, disabled
 * never, and a selective entry needs its secondary key too. Each rule is tested on its own in
 * cards-lorebook.test.ts; here the whole path runs: import, store, chat.
 */

const card = {
  spec: 'chara_card_v2',
  spec_version: '2.0',
  data: {
    name: 'Seraphina',
    description: 'A guardian of the forest.',
    personality: 'Gentle.',
    scenario: '',
    first_mes: 'Welcome.',
    mes_example: '',
    character_book: {
      scan_depth: 2,
      entries: [
        { keys: ['glade'], content: 'LORE-GLADE: the glade is warded.', enabled: true, insertion_order: 1 },
        { keys: ['ignored'], content: 'LORE-OFF', enabled: false, insertion_order: 2 },
        {
          keys: [],
          content: 'LORE-ALWAYS: the forest is old.',
          enabled: true,
          constant: true,
          insertion_order: 3,
        },
        {
          keys: ['river'],
          secondary_keys: ['bridge'],
          selective: true,
          content: 'LORE-RIVER-BRIDGE',
          enabled: true,
          insertion_order: 4,
        },
      ],
    },
  },
};

describeEachBackend('a lorebook in the chat engine', (h) => {
  test('entries come in by their keys in recent turns, constant always, disabled never, selective with both', async () => {
    const account = await h().newAccount();
    const imported = await h().request('POST', '/v1/personas/import', { account, json: card });
    assert.equal(imported.status, 200, imported.text);
    const key = await h().services.keys.authenticate(account.key);
    assert.ok(key);
    const ctx = new RequestCtx(h().services, key, 'lore-test');
    const signal = new AbortController().signal;
    const system = async (...turns: string[]) => {
      const req = await previewPrompt(ctx, {
        personaId: imported.body.id,
        messages: turns.map((content, i) => ({ role: i % 2 ? 'assistant' : 'user', content })),
        signal,
      });
      return req.messages
        .filter((m) => m.role === 'system')
        .map((m) => m.content)
        .join('\n');
    };

    const plain = await system('Hello there');
    assert.match(plain, /LORE-ALWAYS/);
    assert.doesNotMatch(plain, /LORE-GLADE|LORE-OFF|LORE-RIVER/);

    const glade = await system('Tell me about the Glade');
    assert.match(glade, /LORE-GLADE: the glade is warded\./);
    assert.doesNotMatch(glade, /LORE-OFF/);

    assert.doesNotMatch(await system('The river runs fast'), /LORE-RIVER-BRIDGE/);
    assert.match(await system('The river runs under the bridge'), /LORE-RIVER-BRIDGE/);

    // scan_depth 2: a key three turns back no longer counts.
    assert.doesNotMatch(await system('the glade', 'I see.', 'What now?', 'Go on.'), /LORE-GLADE/);
  });
});
