import { z } from '@hono/zod-openapi';

/**
 * OpenAI Chat Completions and Models, as OpenAI's API reference describes them. Request objects are
 * loose: OpenAI clients send fields personakit has no use for (`seed`, `parallel_tool_calls`,
 * `metadata`, `store`…), and refusing them would break those clients; every field personakit reads is
 * validated, and a value it cannot honour (`n` > 1, image parts) is a clear 400.
 */

const text = (max: number) => z.string().max(max, `must be at most ${max} characters`);

/** The request's bounds, named once: the schema states them, and the hand check (plain-body.ts) reads them. */
export const CHAT_LIMITS = {
  text: 400_000,
  name: 64,
  model: 200,
  messages: 2000,
  tokens: 1_000_000,
  n: 128,
  user: 256,
} as const;
const MAX_TEXT = CHAT_LIMITS.text;

export const TextPart = z
  .looseObject({
    type: z
      .string()
      .min(1, 'must not be empty')
      .openapi({ description: '`text` (other types are refused).', example: 'text' }),
    text: text(MAX_TEXT).optional().openapi({ description: 'The text of a `text` part.', example: 'Hello' }),
  })
  .openapi('ChatContentPart', {
    description: 'A content part. Only `text` parts are read; image, audio and file parts are a 400.',
  });

const content = z
  .union([text(MAX_TEXT), z.array(TextPart).max(1000, 'must hold at most 1000 parts')])
  .openapi({
    description: 'The text, or an array of content parts (`{"type": "text", "text"}`).',
    example: 'Hello',
  });

const name = z
  .string()
  .min(1, 'must not be empty')
  .max(CHAT_LIMITS.name, `must be at most ${CHAT_LIMITS.name} characters`)
  .optional()
  .openapi({ description: 'A name for the participant.', example: 'ada' });

const toolName = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, underscores or dashes')
  .openapi({ example: 'get_weather' });

export const ToolCallSchema = z
  .looseObject({
    id: z
      .string()
      .min(1, 'must not be empty')
      .max(200, 'must be at most 200 characters')
      .openapi({ example: 'call_abc123' }),
    type: z.literal('function').openapi({ example: 'function' }),
    function: z.looseObject({
      name: toolName,
      arguments: text(MAX_TEXT).openapi({
        description: 'The arguments as JSON text.',
        example: '{"city":"Paris"}',
      }),
    }),
  })
  .openapi('ChatToolCall');

const SystemMessage = z.looseObject({
  role: z.enum(['system', 'developer']),
  content,
  name,
});
const UserMessage = z.looseObject({ role: z.literal('user'), content, name });
const AssistantMessage = z.looseObject({
  role: z.literal('assistant'),
  content: content.nullish(),
  name,
  refusal: z.string().nullish(),
  tool_calls: z.array(ToolCallSchema).max(128, 'must hold at most 128 calls').optional(),
});
const ToolMessage = z.looseObject({
  role: z.literal('tool'),
  content,
  tool_call_id: z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
});

export const MessageSchema = z
  .discriminatedUnion('role', [SystemMessage, UserMessage, AssistantMessage, ToolMessage], {
    error: () => 'role must be one of system, developer, user, assistant, tool',
  })
  .openapi('ChatMessage', {
    description:
      'A message of the conversation: `system`/`developer`, `user`, `assistant` (with `tool_calls`) or `tool`.',
  });

export const ToolSchema = z
  .looseObject({
    type: z.literal('function').openapi({ example: 'function' }),
    function: z.looseObject({
      name: toolName,
      description: text(10_000).optional(),
      parameters: z
        .record(z.string(), z.unknown())
        .optional()
        .openapi({
          description: 'The JSON Schema of the arguments.',
          example: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        }),
      strict: z.boolean().nullish(),
    }),
  })
  .openapi('ChatTool');

const ToolChoiceSchema = z
  .union([
    z.enum(['none', 'auto', 'required']),
    z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: toolName }) }),
  ])
  .openapi({
    description: '`none`, `auto`, `required` or `{"type": "function", "function": {"name"}}`.',
    example: 'auto',
  });

const idList = z.array(z.string().min(1).max(128)).max(100, 'must hold at most 100 entries');

export const ChatCompletionBody = z
  .looseObject({
    model: z
      .string()
      .min(1, 'must not be empty')
      .max(CHAT_LIMITS.model, `must be at most ${CHAT_LIMITS.model} characters`)
      .openapi({
        description: 'The persona id (see GET /v1/models); `<persona_id>@<version>` pins a version.',
        example: 'p3k9x0c2m4q8r1t5v7w9y2a4b6',
      }),
    messages: z
      .array(MessageSchema)
      .min(1, 'must hold at least one message')
      .max(CHAT_LIMITS.messages, `must hold at most ${CHAT_LIMITS.messages} messages`),
    stream: z.boolean().nullish().openapi({ description: 'Answer as server-sent events.', example: false }),
    stream_options: z
      .looseObject({ include_usage: z.boolean().optional() })
      .nullish()
      .openapi({ description: 'With `stream`: `include_usage` adds a last chunk with the usage.' }),
    tools: z.array(ToolSchema).max(128, 'must hold at most 128 tools').optional(),
    tool_choice: ToolChoiceSchema.optional(),
    temperature: z.number().min(0, 'must be at least 0').max(2, 'must be at most 2').nullish(),
    top_p: z.number().min(0, 'must be at least 0').max(1, 'must be at most 1').nullish(),
    max_tokens: z
      .number()
      .int('must be an integer')
      .min(1, 'must be at least 1')
      .max(CHAT_LIMITS.tokens)
      .nullish(),
    max_completion_tokens: z
      .number()
      .int('must be an integer')
      .min(1, 'must be at least 1')
      .max(CHAT_LIMITS.tokens)
      .nullish(),
    stop: z
      .union([text(1000), z.array(text(1000)).max(4, 'must hold at most 4 sequences')])
      .nullish()
      .openapi({ description: 'Up to 4 sequences where the model stops.', example: ['\n\n'] }),
    n: z
      .number()
      .int('must be an integer')
      .min(1, 'must be at least 1')
      .max(CHAT_LIMITS.n)
      .nullish()
      .openapi({
        description: 'Only 1 is supported.',
        example: 1,
      }),
    user: text(CHAT_LIMITS.user)
      .optional()
      .openapi({ description: 'An id of your end user, passed on.', example: 'user-42' }),
    response_format: z
      .looseObject({ type: z.enum(['text', 'json_object', 'json_schema']) })
      .optional()
      .openapi({ description: 'Passed to providers that support it.', example: { type: 'json_object' } }),
    document_ids: idList.optional().openapi({
      description: "personakit: documents searched for this answer besides the persona's own.",
      example: ['d1234567890abcdef'],
    }),
    document_tags: idList.optional().openapi({
      description: "personakit: documents with any of these tags searched besides the persona's own.",
      example: ['faq'],
    }),
    enforce: z.boolean().optional().openapi({
      description:
        "personakit: repair the answer with the local rule engine before it leaves (default: the persona's `attributes.enforce`).",
      example: true,
    }),
  })
  .openapi('ChatCompletionRequest');

export type ChatCompletionBody = z.infer<typeof ChatCompletionBody>;

const Check = z
  .object({ rule: z.string(), passed: z.boolean().nullable(), detail: z.string() })
  .openapi('ChatStyleCheck');

export const CitationSchema = z
  .object({
    index: z.number().int().openapi({ description: 'The marker: `[1]` is index 1.', example: 1 }),
    document_id: z.string(),
    document_name: z.string(),
    chunk_id: z.string(),
    text: z.string(),
    score: z.number(),
    position: z.record(z.string(), z.unknown()),
  })
  .openapi('ChatCitation');

const Usage = z
  .object({
    prompt_tokens: z.number().int(),
    completion_tokens: z.number().int(),
    total_tokens: z.number().int(),
  })
  .openapi('ChatUsage');

export const ChatCompletion = z
  .object({
    id: z.string().openapi({ example: 'chatcmpl-7d3f0c1e2b4a' }),
    object: z.literal('chat.completion'),
    created: z.number().int(),
    model: z.string().openapi({ description: 'The model as requested (the persona id).' }),
    choices: z.array(
      z.object({
        index: z.number().int(),
        message: z.object({
          role: z.literal('assistant'),
          content: z.string().nullable(),
          refusal: z.null(),
          tool_calls: z.array(ToolCallSchema).optional(),
        }),
        logprobs: z.null(),
        finish_reason: z.enum(['stop', 'length', 'tool_calls', 'content_filter']),
      }),
    ),
    usage: Usage,
    system_fingerprint: z.string().nullable(),
    citations: z
      .array(CitationSchema)
      .openapi({ description: 'personakit: the passages the answer was given.' }),
    checks: z.array(Check).openapi({ description: "personakit: the persona's rules checked on the answer." }),
  })
  .openapi('ChatCompletion');

export const ChatCompletionEvents = z.string().openapi({
  description:
    'Server-sent events: `data: <chat.completion.chunk>` lines, the chunk with `finish_reason` also carrying ' +
    '`citations` and `checks`, a usage chunk with `stream_options.include_usage`, then `data: [DONE]`. ' +
    'An error after the stream started is one `data: {"error": {...}}` line.',
});

export const ModelSchema = z
  .object({
    id: z.string().openapi({ description: 'The persona id.', example: 'p3k9x0c2m4q8r1t5v7w9y2a4b6' }),
    object: z.literal('model'),
    created: z.number().int(),
    owned_by: z.string().openapi({ description: '`personakit`, or `system` for built-in personas.' }),
    name: z.string().openapi({ description: 'personakit: the persona name.', example: 'Friendly Support' }),
  })
  .openapi('Model');

export const ModelList = z
  .object({ object: z.literal('list'), data: z.array(ModelSchema) })
  .openapi('ModelList');

export const ModelParam = z.object({
  model: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'model', in: 'path' }, example: 'p3k9x0c2m4q8r1t5v7w9y2a4b6' }),
});

export const ErrorSchema = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string(),
      param: z.string().nullable(),
      code: z.string().nullable(),
    }),
  })
  .openapi('OpenAIError');

const described = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorSchema } },
});

export const errorResponses = {
  400: described('Invalid input; `param` names the field.'),
  401: described('Missing or invalid personakit key, or the provider refused its key.'),
  404: described('`model_not_found`: no such persona for this account.'),
  413: described('Body over 1 MiB.'),
  415: described('Content-Type is not application/json.'),
  429: described('Rate limited (personakit or the provider); retry-after is passed on.'),
  502: described('The provider failed or answered malformed data.'),
  503: described('The operator default LLM is misconfigured.'),
  504: described('The provider did not answer in time.'),
};
