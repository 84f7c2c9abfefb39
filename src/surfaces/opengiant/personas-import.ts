import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { importCard } from '../../cards/import.ts';
import type { AppEnv } from '../../http/env.ts';
import { readCardUpload } from './card-upload.ts';
import { errorResponses, PersonaSchema, toWire } from './schemas.ts';

const binary = { type: 'string' as const, format: 'binary' };

/** An example card (V2) for the JSON form; any V1, V2, V3 or TavernAI card object is accepted. */
const exampleCard = {
  spec: 'chara_card_v2',
  spec_version: '2.0',
  data: {
    name: 'Seraphina',
    description: 'A guardian of the forest glade.',
    personality: 'caring, protective',
    scenario: '{{user}} wakes up in the glade.',
    first_mes: 'You are safe now, {{user}}.',
    mes_example: '<START>\n{{user}}: Who are you?\n{{char}}: I am Seraphina.',
    creator_notes: '',
    system_prompt: '',
    post_history_instructions: '',
    alternate_greetings: [],
    tags: ['fantasy'],
    creator: '',
    character_version: '1.0',
    extensions: {},
  },
};

const Imported = PersonaSchema.extend({
  card: z
    .object({
      format: z.enum(['png', 'json', 'charx']).openapi({ description: 'The container the file was.' }),
      spec: z
        .enum(['v1', 'v2', 'v3', 'tavern_ai'])
        .openapi({ description: "The card's version, from its `spec` field." }),
      files: z.number().int().openapi({ description: 'Images and assets stored with the persona.' }),
    })
    .openapi({ description: 'What was imported.' }),
  warnings: z
    .array(z.string())
    .optional()
    .openapi({ description: 'Present when something was imported but will not behave as the file meant.' }),
}).openapi('PersonaImported');

export const route = createRoute({
  method: 'post',
  path: '/personas/import',
  tags: ['OpenGiant personas'],
  summary: 'Import a character card',
  description:
    'Creates a persona from a community character card: a PNG with the card in its `ccv3` or `chara` text ' +
    'chunk, a card JSON (V1, V2, V3, TavernAI) or a CHARX archive; as `multipart/form-data` with a `file` ' +
    'part, or as the body itself. The format is read from the bytes. The image (PNG, or the CHARX icon) ' +
    'is kept for export. A file that is not a card (a lorebook, an image without a card, a damaged file) ' +
    'is a 400 naming what was found. See docs/character-cards.md for the field mapping.',
  operationId: 'importPersona',
  security: [{ bearerAuth: [] }],
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: { type: 'object', additionalProperties: true, example: exampleCard },
        },
        'multipart/form-data': {
          schema: {
            type: 'object',
            required: ['file'],
            properties: { file: { ...binary, description: 'The card file (32 MiB at most).' } },
          },
        },
        'image/png': { schema: binary },
        'application/octet-stream': { schema: binary },
      },
    },
  },
  responses: {
    200: { description: 'The new persona.', content: { 'application/json': { schema: Imported } } },
    ...errorResponses(400, 401, 413),
  },
});

export function register(app: OpenAPIHono<AppEnv>) {
  app.openapi(route, async (c) => {
    const { persona, card } = await importCard(c.get('ctx'), await readCardUpload(c));
    return c.json(
      {
        ...toWire(persona),
        card: { format: card.format, spec: card.spec, files: card.files.length },
        ...(card.warnings.length > 0 ? { warnings: card.warnings } : {}),
      },
      200,
    );
  });
}
