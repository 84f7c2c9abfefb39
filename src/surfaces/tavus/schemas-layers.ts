import { z } from '@hono/zod-openapi';

/**
 * Tavus persona `layers`, field for field from the Create Persona seed (plus the Get Persona and LLM layer
 * pages). Every object is loose: fields real clients send that the seed does not list (`stt_engine`,
 * `turn_commitment`, `active_listening`, `default_query`, …) are accepted and kept as sent. Optional
 * fields also accept null, which is what Tavus returns for unset fields and what clients send back.
 */
export const perceptionModels = ['raven-0', 'basic', 'off'] as const;
export const turnDetectionModels = ['sparrow-1', 'sparrow-0', 'time-based'] as const;
export const levels = ['low', 'medium', 'high'] as const;
export const ttsEngines = ['cartesia', 'elevenlabs'] as const;

const toolName = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, underscores or dashes')
  .openapi({ description: 'The name of the function the model calls.', example: 'get_current_weather' });

/** An OpenAI-style function tool: `{type: "function", function: {name, description, parameters}}`. */
export const FunctionTool = z
  .looseObject({
    type: z.literal('function').openapi({ description: 'Always `function`.', example: 'function' }),
    function: z
      .looseObject({
        name: toolName,
        description: z.string().optional().openapi({
          description: 'What the tool does and when to call it.',
          example: 'Get the current weather',
        }),
        parameters: z
          .looseObject({
            type: z
              .literal('object')
              .optional()
              .openapi({ description: 'Always `object`.', example: 'object' }),
          })
          .optional()
          .openapi({
            description: 'The JSON Schema of the arguments (an object schema).',
            example: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
          }),
      })
      .openapi({ description: 'The function: its name, what it does, and its arguments.' }),
  })
  .openapi('TavusFunctionTool', {
    description: 'An OpenAI-style function tool.',
    example: {
      type: 'function',
      function: {
        name: 'get_current_weather',
        description: 'Get the current weather in a given location',
        parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
      },
    },
  });

const stringList = (description: string, example: string[]) =>
  z.array(z.string()).nullish().openapi({ description, example });

export const PerceptionLayer = z
  .looseObject({
    perception_model: z.enum(perceptionModels).nullish().openapi({
      description:
        '`raven-0` for advanced multimodal perception, `basic` for simpler vision, `off` for none.',
      example: 'raven-0',
    }),
    ambient_awareness_queries: stringList('Queries Raven continuously monitors for in the visual stream.', [
      'Is the user showing an ID card?',
    ]),
    perception_tool_prompt: z.string().nullish().openapi({
      description: 'How and when to use the perception tools.',
      example:
        'You have a tool to notify the system when an ID card is detected, named `notify_if_id_shown`.',
    }),
    perception_tools: z.array(FunctionTool).nullish().openapi({
      description: 'Function tools triggered by visual context.',
    }),
  })
  .openapi('TavusPerceptionLayer', { description: 'Multimodal vision and understanding settings (Raven).' });

export const SttLayer = z
  .looseObject({
    hotwords: z.string().nullish().openapi({
      description: 'Example phrases that guide transcription of names and uncommon terms.',
      example: "Roey is the name of the person you're speaking with.",
    }),
  })
  .openapi('TavusSttLayer', {
    description: 'Transcription settings (Sparrow). Other fields (e.g. `stt_engine`) are kept as sent.',
    example: {
      stt_engine: 'tavus-advanced',
      hotwords: 'Roey is the name of the person you are speaking with.',
    },
  });

const level = (description: string) => z.enum(levels).nullish().openapi({ description, example: 'medium' });

export const ConversationalFlowLayer = z
  .looseObject({
    turn_detection_model: z.enum(turnDetectionModels).nullish().openapi({
      description: 'Turn detection: `sparrow-1` (recommended), `sparrow-0` (legacy) or `time-based`.',
      example: 'sparrow-1',
    }),
    turn_taking_patience: level('How eagerly the replica claims turns: `low` eager, `high` patient.'),
    replica_interruptibility: level('How easily user speech interrupts the replica: `high` stops easily.'),
  })
  .openapi('TavusConversationalFlowLayer', {
    description:
      'Turn-taking and interruption settings. Other fields (e.g. `turn_commitment`) are kept as sent.',
    example: {
      turn_detection_model: 'sparrow-1',
      turn_taking_patience: 'medium',
      replica_interruptibility: 'high',
    },
  });

const freeObject = (description: string, example: Record<string, unknown>) =>
  z.record(z.string(), z.unknown()).nullish().openapi({ description, example });

export const LlmLayer = z
  .looseObject({
    model: z.string().nullish().openapi({
      description: 'The model: `tavus-gpt-oss`, `tavus-gpt-4o`, `tavus-gpt-4o-mini` or your own model name.',
      example: 'tavus-gpt-4o',
    }),
    base_url: z
      .string()
      .nullish()
      .openapi({
        description:
          'Base URL of your OpenAI-compatible endpoint. Private, loopback, link-local and metadata addresses ' +
          '(also through a host name that resolves to one) are refused unless the operator allow-lists them ' +
          '(PERSONAKIT_ALLOWED_HOSTS).',
        example: 'https://your-llm.com/api/v1',
      }),
    api_key: z.string().nullish().openapi({
      description: 'API key of your endpoint. Encrypted at rest; always read back as `********`.',
      example: 'your-api-key',
    }),
    speculative_inference: z.boolean().nullish().openapi({
      description: 'Start processing transcriptions before the user finishes speaking.',
      example: true,
    }),
    tools: z.array(FunctionTool).nullish().openapi({ description: 'Function tools for the LLM.' }),
    headers: z
      .record(z.string(), z.string())
      .nullish()
      .openapi({
        description: 'Headers for your LLM. Values are encrypted at rest and read back as `********`.',
        example: { Authorization: 'Bearer your-api-key' },
      }),
    extra_body: freeObject('Extra request parameters, e.g. temperature and top_p.', {
      temperature: 0.7,
      top_p: 0.9,
    }),
    default_query: freeObject('Query parameters appended to the base URL.', {
      'api-version': '2024-02-15-preview',
    }),
  })
  .openapi('TavusLlmLayer', { description: 'Language model settings.' });

const emotionControl = z
  .union([z.boolean(), z.enum(['true', 'false'])])
  .nullish()
  .openapi({
    description: 'Let the TTS engine control emotion (Cartesia). Tavus documents both `true` and `"true"`.',
    example: true,
  });

export const TtsLayer = z
  .looseObject({
    api_key: z.string().nullish().openapi({
      description: 'API key of the TTS provider. Encrypted at rest; always read back as `********`.',
      example: 'your-api-key',
    }),
    tts_engine: z.enum(ttsEngines).nullish().openapi({ description: 'The TTS engine.', example: 'cartesia' }),
    external_voice_id: z
      .string()
      .nullish()
      .openapi({ description: 'The voice id at the TTS provider.', example: 'external-voice-id' }),
    voice_settings: z
      .looseObject({
        speed: z.union([z.number(), z.string()]).nullish().openapi({ description: 'Speed.', example: 0.5 }),
        emotion: stringList('Emotion tags such as `positivity:high`.', ['positivity:high', 'curiosity']),
      })
      .nullish()
      .openapi({
        description: 'Provider-specific voice settings.',
        example: { speed: 0.5, emotion: ['curiosity'] },
      }),
    tts_emotion_control: emotionControl,
    tts_model_name: z.string().nullish().openapi({ description: 'The TTS model name.', example: 'sonic' }),
  })
  .openapi('TavusTtsLayer', { description: 'Text-to-speech settings.' });

/** Where extra top-level fields of a persona are kept inside the stored layers; never sent by clients. */
export const EXTRA_FIELDS_KEY = '_personakit_top_level';

export const Layers = z
  .looseObject({
    perception: PerceptionLayer.nullish(),
    stt: SttLayer.nullish(),
    conversational_flow: ConversationalFlowLayer.nullish(),
    llm: LlmLayer.nullish(),
    tts: TtsLayer.nullish(),
  })
  .refine((v) => !(EXTRA_FIELDS_KEY in v), { message: `${EXTRA_FIELDS_KEY} is reserved` })
  .openapi('TavusLayers', {
    description: 'The CVI layers. Unknown fields, at any level, are kept as sent.',
    example: { llm: { model: 'tavus-gpt-4o', speculative_inference: true }, tts: { tts_engine: 'cartesia' } },
  });
