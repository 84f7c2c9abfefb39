import { z } from '@hono/zod-openapi';

/** The Tavus conversations contract (reference: conversations-*.md, tavus-conversations-notes.md §1). */

const str = (max: number, description: string, example: string) =>
  z.string().max(max, `must be at most ${max} characters`).openapi({ description, example });
const list = (description: string, example: string[]) =>
  z
    .array(z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters'))
    .max(100, 'must have at most 100 items')
    .openapi({ description, example });
const seconds = (description: string, example: number) =>
  z
    .number()
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(86_400, 'must be at most 86400')
    .openapi({ description, example });

export const ConversationProperties = z
  .object({
    max_call_duration: seconds(
      'Seconds after creation at which the conversation ends (default 3600).',
      3600,
    ).optional(),
    participant_left_timeout: z
      .number()
      .int('must be an integer')
      .min(0, 'must be at least 0')
      .max(86_400, 'must be at most 86400')
      .openapi({
        description: 'Seconds after the last live client left at which it ends (only when set).',
        example: 60,
      })
      .optional(),
    participant_absent_timeout: seconds(
      'Seconds after creation at which it ends if no client ever joined (default 300).',
      300,
    ).optional(),
    language: str(
      100,
      'Language of the conversation (stored; the persona answers in it when it can).',
      'english',
    ).optional(),
    enable_recording: z.boolean().optional(),
    enable_closed_captions: z.boolean().optional(),
    apply_greenscreen: z.boolean().optional(),
    recording_s3_bucket_name: str(200, 'Video only: stored for compatibility.', 'recordings').optional(),
    recording_s3_bucket_region: str(100, 'Video only: stored for compatibility.', 'us-east-1').optional(),
    aws_assume_role_arn: str(300, 'Video only: stored for compatibility.', '').optional(),
  })
  .openapi('TavusConversationProperties');

export const ConversationCreateBody = z
  .object({
    replica_id: str(
      100,
      'Stored and returned; a text conversation needs no replica.',
      'rfe12d8b9597',
    ).optional(),
    persona_id: str(
      100,
      'The persona that answers; without one, the default persona.',
      'p9a95912',
    ).optional(),
    audio_only: z.boolean().optional().openapi({ description: 'Stored for compatibility.' }),
    callback_url: str(
      2048,
      'Receives system.replica_joined, system.shutdown and application.transcription_ready.',
      'https://yourwebsite.com/webhook',
    ).optional(),
    conversation_name: str(300, 'A name for the conversation.', 'Improve Sales Technique').optional(),
    conversational_context: str(
      64_000,
      "Appended to the persona's context for this conversation.",
      'Help me practice objections.',
    ).optional(),
    custom_greeting: str(4000, "The replica's first utterance.", 'Hey there!').optional(),
    memory_stores: list('Memory store tags (stored).', ['anna']).optional(),
    document_ids: list('Documents the persona may retrieve from, besides its own.', [
      'd1234567890',
    ]).optional(),
    document_retrieval_strategy: z.enum(['speed', 'balanced', 'quality']).optional(),
    document_tags: list('Tags of documents the persona may retrieve from.', ['sales']).optional(),
    test_mode: z.boolean().optional().openapi({ description: 'Created with status `ended`; nothing runs.' }),
    require_auth: z
      .boolean()
      .optional()
      .openapi({ description: 'The page and its live endpoints need the returned `meeting_token` (`?t=`).' }),
    max_participants: z
      .number()
      .int('must be an integer')
      .min(2, 'must be at least 2')
      .max(1000, 'must be at most 1000')
      .optional(),
    properties: ConversationProperties.optional(),
  })
  .openapi('TavusConversationCreate');

export const ConversationSchema = z
  .object({
    conversation_id: z.string().openapi({ example: 'c123456' }),
    conversation_name: z.string(),
    conversation_url: z
      .string()
      .openapi({ description: 'A page of this server where a person chats with the persona.' }),
    status: z.enum(['active', 'ended']),
    callback_url: z.string(),
    replica_id: z.string().nullable(),
    persona_id: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    meeting_token: z.string().optional(),
    shutdown_reason: z.string().nullable().optional(),
    transcript: z.array(z.record(z.string(), z.unknown())).optional(),
    events: z.array(z.record(z.string(), z.unknown())).optional(),
  })
  .openapi('TavusConversation');

export const ConversationIdParam = z.object({
  conversation_id: z
    .string()
    .regex(/^[a-z0-9_]{1,64}$/)
    .openapi({ param: { name: 'conversation_id', in: 'path' }, example: 'c123456' }),
});

const ErrorBody = z.object({ error: z.string() }).openapi('TavusConversationError');
const MessageBody = z.object({ message: z.string() }).openapi('TavusConversationMessage');
const descriptions: Record<number, string> = {
  400: 'Invalid request; `error` says what (an ended conversation, a malformed interaction).',
  401: 'Missing or invalid API key: `{"message": "Invalid access token"}`.',
  404: 'No such conversation for this account: `{"message": "Conversation not found"}`.',
  429: 'Too many active conversations, or interactions too fast.',
};
export const convErrors = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [
      s,
      {
        description: descriptions[s] ?? 'Error',
        content: { 'application/json': { schema: s === 400 ? ErrorBody : MessageBody } },
      },
    ]),
  );
