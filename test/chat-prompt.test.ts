import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimateTokens, knowledgeQuery, withinBudget } from '../src/chat/knowledge.ts';
import { operatorKey, operatorProvider } from '../src/chat/llm.ts';
import { deltasOf, LOCAL_MODEL, localAnswer, NO_KNOWLEDGE, NOTHING_FOUND } from '../src/chat/local-engine.ts';
import { parseModelId } from '../src/chat/persona-version.ts';
import { assemblePrompt, KNOWLEDGE_HEADING } from '../src/chat/prompt.ts';
import type { Citation } from '../src/chat/types.ts';
import { testConfig } from '../src/config.ts';
import { emptyFields, type Persona } from '../src/core/persona.ts';
import type { ChatMessage } from '../src/providers/chat-types.ts';

function persona(over: Partial<Persona> = {}): Persona {
  return {
    ...emptyFields('Ada'),
    id: 'p1',
    accountId: 'a1',
    personaType: 'user',
    createdAt: '2026-11-30T00:00:00.000Z',
    updatedAt: '2026-11-30T00:00:00.000Z',
    version: 1,
    ...over,
  };
}

const cite = (index: number, text: string, name = 'Handbook'): Citation => ({
  index,
  document_id: `d${index}`,
  document_name: name,
  chunk_id: `c${index}`,
  text,
  score: 1 / index,
  position: { ordinal: index, heading_path: [] },
});

const noLore = { beforeChar: [], afterChar: [] };

test('the system message holds every section in the documented order, then the history, then post-history instructions', () => {
  const p = persona({
    systemPrompt: 'You are {{char}}, talking with {{user}}.',
    description: 'A ship engineer.',
    context: 'The ship is docked.',
    attributes: { tone: 'dry', exclamations: 'none', enforce: true },
    card: {
      nickname: 'Addy',
      personality: 'Curious.',
      scenario: 'Night shift.',
      exampleDialogue: '<START>\n{{user}}: hi\n{{char}}: hello',
      postHistoryInstructions: 'Stay in character. {{original}}',
      creatorNotes: 'SECRET-CREATOR-NOTE',
    },
  });
  const messages: ChatMessage[] = [
    { role: 'system', content: 'Answer in French.' },
    { role: 'user', content: 'Bonjour', name: 'Lin' },
    { role: 'assistant', content: 'Salut.' },
    { role: 'user', content: 'Ça va ?', name: 'Lin' },
  ];
  const out = assemblePrompt({
    persona: p,
    messages,
    citations: [cite(1, 'The engine runs on water.')],
    lore: { beforeChar: ['LORE-BEFORE'], afterChar: ['LORE-AFTER'] },
  });
  assert.equal(out[0]?.role, 'system');
  const system = out[0]?.content ?? '';
  const order = [
    'You are Addy, talking with Lin.',
    'A ship engineer.',
    'LORE-BEFORE',
    "Addy's personality: Curious.",
    'Scenario: Night shift.',
    'LORE-AFTER',
    'Context:\nThe ship is docked.',
    'Style guide:\n',
    'Example dialogue',
    `${KNOWLEDGE_HEADING}\n[1] (Handbook) The engine runs on water.`,
    'Answer in French.',
  ];
  let at = -1;
  for (const part of order) {
    const i = system.indexOf(part);
    assert.ok(i > at, `"${part}" comes after the previous section:\n${system}`);
    at = i;
  }
  assert.match(system, /Lin: hi\nAddy: hello/);
  assert.doesNotMatch(system, /SECRET-CREATOR-NOTE/);
  assert.doesNotMatch(system, /enforce/, 'an engine key is not a style line');
  assert.match(system, /- Do not use exclamation marks\./);
  assert.deepEqual(
    out.slice(1).map((m) => [m.role, m.content]),
    [
      ['user', 'Bonjour'],
      ['assistant', 'Salut.'],
      ['user', 'Ça va ?'],
      ['system', 'Stay in character.'],
    ],
  );
});

test("a persona without system_prompt speaks as 'You are <name>.' with its description", () => {
  const out = assemblePrompt({
    persona: persona({ description: 'Helps with billing.' }),
    messages: [{ role: 'user', content: 'hi' }],
    citations: [],
    lore: noLore,
  });
  assert.equal(out[0]?.content, 'You are Ada. Helps with billing.');
  assert.equal(out.length, 2);
});

test('caller system messages are never dropped and never duplicated, wherever they stand', () => {
  const p = persona({ systemPrompt: 'You are Ada, the support agent.' });
  const out = assemblePrompt({
    persona: p,
    messages: [
      { role: 'system', content: 'You are Ada, the support agent.' },
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hi' },
      { role: 'system', content: 'Be brief.' },
      { role: 'system', content: 'Mention the ticket number.' },
      { role: 'user', content: 'again' },
    ],
    citations: [],
    lore: noLore,
  });
  const system = out[0]?.content ?? '';
  assert.equal(system.split('You are Ada, the support agent.').length, 2, 'the persona prompt once');
  assert.equal(system.split('Be brief.').length, 2, 'a repeated caller message once');
  assert.match(system, /Mention the ticket number\.$/);
  assert.equal(
    out.filter((m) => m.role === 'system').length,
    1,
    'every system message merged into the first',
  );
  assert.deepEqual(
    out.slice(1).map((m) => m.content),
    ['hi', 'again'],
  );
});

test('knowledge keeps passages in rank order within the token budget and numbers them from 1', () => {
  const passages = [cite(1, 'a'.repeat(400)), cite(2, 'b'.repeat(400)), cite(3, 'c'.repeat(400))].map(
    ({ index: _i, ...p }) => p,
  );
  const kept = withinBudget(passages, 250);
  assert.deepEqual(
    kept.map((c) => [c.index, c.chunk_id]),
    [
      [1, 'c1'],
      [2, 'c2'],
    ],
  );
  assert.ok(kept.reduce((n, c) => n + estimateTokens(c.text), 0) <= 250);
  const cut = withinBudget(passages, 50);
  assert.equal(cut.length, 1);
  assert.ok(estimateTokens(cut[0]?.text ?? '') <= 50, 'a first passage over the budget is cut to it');
  assert.deepEqual(withinBudget(passages, 0), []);
});

test('the knowledge query is the last user turn with the user turn before it', () => {
  assert.equal(
    knowledgeQuery([
      { role: 'user', content: 'What does the Pro plan cost?' },
      { role: 'assistant', content: 'It costs 10 euros.' },
      { role: 'user', content: 'And per year?' },
    ]),
    'And per year?\nWhat does the Pro plan cost?',
  );
  assert.equal(knowledgeQuery([{ role: 'system', content: 'x' }]), '');
});

test('the local engine answers extractively with a citation marker per passage, deterministically', () => {
  const citations = [
    cite(
      1,
      'Our office opens at nine. The parking garage is under building B. Visitors sign in at the desk.',
    ),
    cite(2, 'Lunch is served from noon. Parking permits are issued by the front desk.'),
  ];
  const answer = localAnswer('Where is the parking garage?', citations, true);
  assert.equal(
    answer,
    'The parking garage is under building B [1]. Parking permits are issued by the front desk [2].',
  );
  assert.equal(localAnswer('Where is the parking garage?', citations, true), answer);
  assert.equal(localAnswer('anything', [], false), NO_KNOWLEDGE);
  assert.equal(localAnswer('anything', [], true), NOTHING_FOUND);
  assert.match(NO_KNOWLEDGE, /PERSONAKIT_CHAT_PROVIDER/);
  assert.equal(deltasOf(answer).join(''), answer);
  assert.ok(deltasOf(answer).length > 1);
  assert.equal(LOCAL_MODEL, 'local-extractive');
});

test('model ids: a persona id, or one pinned to a version with @n', () => {
  assert.deepEqual(parseModelId('p123'), { personaId: 'p123' });
  assert.deepEqual(parseModelId('p123@4'), { personaId: 'p123', version: 4 });
  // Anything else is taken whole as an id, which no persona has: model_not_found.
  for (const odd of ['p123@', 'p123@0', '@4', 'p123@x'])
    assert.deepEqual(parseModelId(odd), { personaId: odd });
  assert.equal(parseModelId(''), undefined);
});

test("the operator's default provider: the one named, else the first with a key, else the local engine", () => {
  assert.equal(operatorProvider(testConfig()), 'local');
  assert.equal(
    operatorProvider(testConfig({ PERSONAKIT_ANTHROPIC_API_KEY: 'k1', PERSONAKIT_GOOGLE_API_KEY: 'k2' })),
    'anthropic',
  );
  assert.equal(
    operatorProvider(testConfig({ PERSONAKIT_OPENAI_API_KEY: 'k', PERSONAKIT_CHAT_PROVIDER: 'cohere' })),
    'cohere',
  );
  assert.equal(
    operatorKey(testConfig({ PERSONAKIT_OPENAI_COMPATIBLE_API_KEY: 'k3' }), 'openai-compatible'),
    'k3',
  );
  assert.throws(() => testConfig({ PERSONAKIT_CHAT_PROVIDER: 'skynet' }), /PERSONAKIT_CHAT_PROVIDER/);
});
