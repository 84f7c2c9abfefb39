import { isIP } from 'node:net';
import { z } from 'zod';
import { redactUrlValue } from './core/redact-url.ts';
import { PROVIDER_IDS } from './providers/registry.ts';

/**
 * The whole environment surface of personakit, read once at start. Nothing else reads process.env:
 * code receives a Config, so tests build one by hand.
 */
const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function validHostOrCidr(entry: string): boolean {
  const [ip, bits, extra] = entry.replace(/^\[|\]$/g, '').split('/');
  if (bits === undefined) return true; // a host name or a single address
  const family = isIP(ip ?? '');
  const prefix = Number(bits);
  return (
    extra === undefined &&
    family !== 0 &&
    Number.isInteger(prefix) &&
    prefix >= 0 &&
    prefix <= (family === 4 ? 32 : 128)
  );
}

const port = z.coerce.number().int().min(0).max(65535);
const optionalUrl = z.string().url().optional();

/** `https://app.example.com, http://localhost:3000` or `*`: each an exact origin (scheme, host, port). */
const corsOrigins = z
  .string()
  .optional()
  .transform((v, ctx) => {
    const list = (v ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter((o) => o !== '');
    for (const o of list) {
      if (o !== '*' && !isOrigin(o)) {
        ctx.addIssue({
          code: 'custom',
          message: `"${o}" is not an origin like https://app.example.com, nor *`,
        });
      }
    }
    return list;
  });

function isOrigin(o: string): boolean {
  try {
    const url = new URL(o);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === o;
  } catch {
    return false;
  }
}

const configSchema = z.object({
  PORT: port.default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .default('sqlite:data/personakit.db')
    .refine((v) => v.startsWith('sqlite:') || v.startsWith('postgres://') || v.startsWith('postgresql://'), {
      message: 'must be sqlite:<path>, sqlite::memory: or postgres://…',
    }),
  LOG_LEVEL: z.enum(logLevels).default('info'),
  /** Upper bound for finishing in-flight requests on SIGTERM/SIGINT. */
  PERSONAKIT_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  /** Upstream LLM timeout for /v1/refine. */
  PERSONAKIT_UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(60_000),
  /**
   * A refine stream whose client stops reading for this long is cut and its upstream aborted (ADR 0014).
   */
  PERSONAKIT_STREAM_STALL_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /** Time for a client to send a request's headers. */
  PERSONAKIT_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /** Time for a client to send a whole request, headers and body (408 past it). */
  PERSONAKIT_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /** Open client connections at most (new ones past it are closed at once); 0 means no cap. */
  PERSONAKIT_MAX_CONNECTIONS: z.coerce.number().int().min(0).max(1_000_000).default(10_000),
  /** Hosts or CIDRs that request-supplied URLs may reach even though they are private. */
  PERSONAKIT_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .refine((entries) => entries.every(validHostOrCidr), {
      message: 'entries must be host names, IP addresses or CIDRs (e.g. 10.0.0.0/8, fd00::/8)',
    }),
  /** 32-byte key (base64 or hex) for secrets kept by personas; generated beside the SQLite file if unset. */
  PERSONAKIT_ENCRYPTION_KEY: z.string().optional(),
  /** Signs knowledge callbacks (HMAC-SHA256 over `${timestamp}.${body}`) when set. */
  PERSONAKIT_WEBHOOK_SECRET: z.string().optional(),
  /** The origin of conversation_url (e.g. https://chat.example.com); default the address a request came to. */
  PERSONAKIT_PUBLIC_URL: optionalUrl,
  /** Active Tavus conversations per account at once (a create past it is a 429). */
  PERSONAKIT_MAX_ACTIVE_CONVERSATIONS: z.coerce.number().int().min(1).max(1_000_000).default(100),
  /** Interactions per second per conversation, over every socket, page and POST …/events together. */
  PERSONAKIT_CONVERSATION_EVENTS_PER_SECOND: z.coerce.number().int().min(1).max(10_000).default(20),
  /**
   * How often live subscribers re-read the event log (ms): the fallback that catches appends no wake
   * announced (a lost NOTIFY, another process on one SQLite file). PostgreSQL wakes them at once (ADR 0052).
   */
  PERSONAKIT_CONVERSATION_POLL_MS: z.coerce.number().int().min(10).max(3_600_000).default(150),
  /**
   * The least time (ms) between two streamed partials of one replica answer (conversation.utterance.streaming):
   * the first words go out at once, then one partial per interval with all the speech so far; 0 sends
   * one per provider delta.
   */
  PERSONAKIT_UTTERANCE_STREAM_INTERVAL_MS: z.coerce.number().int().min(0).max(10_000).default(50),
  /** Where the built web console is (scripts/console-build.mjs); default: dist/console of the package. */
  PERSONAKIT_CONSOLE_DIR: z.string().min(1).optional(),
  /** Print the first-start key (default on). */
  PERSONAKIT_BOOTSTRAP_KEY: z.enum(['on', 'off']).default('on'),
  PERSONAKIT_OPENAI_BASE_URL: optionalUrl,
  PERSONAKIT_MISTRAL_BASE_URL: optionalUrl,
  PERSONAKIT_GROQ_BASE_URL: optionalUrl,
  PERSONAKIT_DEEPSEEK_BASE_URL: optionalUrl,
  PERSONAKIT_TOGETHER_BASE_URL: optionalUrl,
  PERSONAKIT_OPENROUTER_BASE_URL: optionalUrl,
  PERSONAKIT_ANTHROPIC_BASE_URL: optionalUrl,
  PERSONAKIT_COHERE_BASE_URL: optionalUrl,
  PERSONAKIT_GOOGLE_BASE_URL: optionalUrl,
  PERSONAKIT_SUNO_BASE_URL: optionalUrl,
  PERSONAKIT_SUNO_API_KEY: z.string().optional(),
  /**
   * Chat (issue 14, docs/chat.md): the operator's default LLM for personas that bring none. The provider
   * is one of the refine provider ids; unset, the first provider whose key is set below answers, and with
   * no key at all the local engine does. The model defaults to the provider's documented default;
   * PERSONAKIT_CHAT_BASE_URL (trusted, like every env URL) points the default provider elsewhere, and is
   * what an `openai-compatible` default (vLLM, Ollama) needs.
   */
  PERSONAKIT_CHAT_PROVIDER: z.enum(PROVIDER_IDS).optional(),
  PERSONAKIT_CHAT_MODEL: z.string().min(1).max(200).optional(),
  PERSONAKIT_CHAT_BASE_URL: optionalUrl,
  /** Operator keys for chat, one per provider; never sent back, never logged. */
  PERSONAKIT_OPENAI_API_KEY: z.string().optional(),
  PERSONAKIT_ANTHROPIC_API_KEY: z.string().optional(),
  PERSONAKIT_COHERE_API_KEY: z.string().optional(),
  PERSONAKIT_GOOGLE_API_KEY: z.string().optional(),
  PERSONAKIT_MISTRAL_API_KEY: z.string().optional(),
  PERSONAKIT_GROQ_API_KEY: z.string().optional(),
  PERSONAKIT_DEEPSEEK_API_KEY: z.string().optional(),
  PERSONAKIT_TOGETHER_API_KEY: z.string().optional(),
  PERSONAKIT_OPENROUTER_API_KEY: z.string().optional(),
  PERSONAKIT_OPENAI_COMPATIBLE_API_KEY: z.string().optional(),
  /** Optional semantic retrieval (ADR 0024): an OpenAI-compatible embeddings endpoint, model and key. */
  PERSONAKIT_EMBEDDINGS_URL: optionalUrl,
  PERSONAKIT_EMBEDDINGS_MODEL: z.string().min(1).optional(),
  PERSONAKIT_EMBEDDINGS_API_KEY: z.string().optional(),
  /** Requests per window per API key; 0 turns the limit off. */
  PERSONAKIT_RATE_LIMIT: z.coerce.number().int().min(0).default(6000),
  PERSONAKIT_RATE_LIMIT_WINDOW_S: z.coerce.number().int().min(1).max(86_400).default(60),
  /** Personas kept in memory for the read hot paths; 0 sends every read to the store. */
  PERSONAKIT_PERSONA_CACHE_SIZE: z.coerce.number().int().min(0).max(10_000_000).default(50_000),
  /**
   * Estimated bytes the persona cache may hold (the personas and what is derived from them), 64 MiB by
   * default; a persona larger than an eighth of it is read from the store each time.
   */
  PERSONAKIT_PERSONA_CACHE_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 40)
    .default(64 * 1024 * 1024),
  /** Versions kept per persona, newest first (docs/versions.md); 0 keeps every version. */
  PERSONAKIT_PERSONA_VERSIONS_KEEP: z.coerce.number().int().min(0).max(1_000_000_000).default(0),
  /**
   * How long an Idempotency-Key claim holds without renewal: its process renews it while the request
   * runs, so after a crash a retry waits at most this long (30 s by default).
   */
  PERSONAKIT_IDEMPOTENCY_LEASE_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /**
   * How long a background job's claim (a document's ingestion) holds without renewal: the process running
   * it renews it every third of this, so after a crash another instance, or this one restarted, resumes
   * the work at most this long later (30 s by default).
   */
  PERSONAKIT_JOB_LEASE_MS: z.coerce.number().int().min(500).max(600_000).default(30_000),
  /**
   * Documents one instance ingests at once (each parse in its own worker thread, up to 512 MB of heap):
   * more instances on one PostgreSQL share the queue.
   */
  PERSONAKIT_INGEST_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(2),
  /** One deadline for downloading a document's URL (or one crawled page), every redirect included. */
  PERSONAKIT_FETCH_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(60_000),
  /** Time to extract the text of one file or page; past it the parser is stopped (processing_timeout). */
  PERSONAKIT_EXTRACT_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(120_000),
  /** Browser origins allowed to call the API (CORS): comma-separated origins or `*`; unset = off. */
  PERSONAKIT_CORS_ORIGINS: corsOrigins,
  /** The operator's key: manages accounts and every account's keys over HTTP (/v1/accounts, /v1/keys). */
  PERSONAKIT_ADMIN_KEY: z.string().optional(),
  /** Shares rate-limit counters between instances. */
  /**
   * Metrics (docs/operations.md "Metrics"): GET /metrics on the API port needs this token as
   * `Authorization: Bearer`; with PERSONAKIT_METRICS_PORT they are served there instead, without a token
   * unless one is set. Neither set: no metrics are recorded or served.
   */
  PERSONAKIT_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  PERSONAKIT_METRICS_PORT: port.optional(),
  PERSONAKIT_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** OpenTelemetry's standard variables: traces are exported over OTLP/HTTP when an endpoint is set. */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl,
  OTEL_SERVICE_NAME: z.string().min(1).default('personakit'),
  REDIS_URL: optionalUrl,
  /** CLI client commands (refine): the running server to talk to and the key to use. */
  PERSONAKIT_URL: z.string().url().default('http://127.0.0.1:8080'),
  PERSONAKIT_API_KEY: z.string().optional(),
  /** CLI refine: the LLM provider's key, read from the environment so it never shows in a process list. */
  PERSONAKIT_PROVIDER_API_KEY: z.string().optional(),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {}

/** Validates an environment; the message is one line naming the first bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // Empty strings count as unset, as shells and compose files often export VAR= for "no value".
  const cleaned: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') cleaned[k] = v;
  const parsed = configSchema.safeParse(cleaned);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const name = String(issue?.path[0] ?? 'environment');
  throw new ConfigError(
    // URLs may carry passwords (DATABASE_URL, REDIS_URL): the message shows the value without them.
    `invalid ${name}: ${issue?.message ?? 'bad value'} (got ${JSON.stringify(redactUrlValue(cleaned[name] ?? ''))})`,
  );
}

/** A config for tests and tools: defaults plus overrides, never the process environment. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'silent', ...overrides });
}
