import { z } from '@hono/zod-openapi';
import { idPattern } from '../../core/ids.ts';
import { documentStatuses } from '../../knowledge/document-wire.ts';

/** The Tavus documents contract (reference: documents-*.md) plus personakit's upload and content routes. */

export const MAX_DOCUMENT_NAME_CHARS = 200;
export const MAX_TAGS = 50;
const MAX_TAG_CHARS = 100;

export const CrawlSchema = z
  .object({
    depth: z
      .number()
      .int('must be an integer')
      .min(1, 'must be at least 1')
      .max(10, 'must be at most 10')
      .openapi({
        description: 'How many levels deep to follow links from the starting URL (1-10).',
        example: 2,
      }),
    max_pages: z
      .number()
      .int('must be an integer')
      .min(1, 'must be at least 1')
      .max(100, 'must be at most 100')
      .openapi({ description: 'Maximum number of pages to crawl (1-100).', example: 10 }),
  })
  .openapi('TavusCrawlConfig');

const tags = z
  .array(
    z.string().min(1, 'must not be empty').max(MAX_TAG_CHARS, `must be at most ${MAX_TAG_CHARS} characters`),
  )
  .max(MAX_TAGS, `must have at most ${MAX_TAGS} tags`)
  .openapi({ description: 'Tags to categorize the document.', example: ['docs', 'website'] });
const document_name = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_DOCUMENT_NAME_CHARS, `must be at most ${MAX_DOCUMENT_NAME_CHARS} characters`)
  .openapi({
    description: 'Name of the document; by default one is made from the URL or file name.',
    example: 'Example Docs',
  });
const url = (description: string, example: string) =>
  z.string().max(2048, 'must be at most 2048 characters').openapi({ description, example });

export const DocumentCreateBody = z
  .object({
    document_url: url('The URL of the document or website to be processed.', 'https://docs.example.com/'),
    document_name: document_name.optional(),
    callback_url: url(
      'URL that receives a POST with the document object on every status change.',
      'https://your-server.com/webhook',
    ).optional(),
    tags: tags.optional(),
    crawl: CrawlSchema.optional().openapi({
      description:
        'Follow same-site links from the URL (breadth-first). Without it only the one page is read.',
    }),
  })
  .openapi('TavusDocumentCreate');
export type DocumentCreateBody = z.infer<typeof DocumentCreateBody>;

/** The multipart form of create (personakit): documented here, read by src/http/multipart.ts. */
export const documentUploadSchema = {
  type: 'object' as const,
  required: ['file'],
  properties: {
    file: { type: 'string' as const, format: 'binary', description: 'The file (50 MB at most).' },
    document_name: { type: 'string' as const },
    callback_url: { type: 'string' as const },
    tags: { type: 'string' as const, description: 'Comma-separated tags, or repeat the part.' },
  },
};

export const DocumentSchema = z
  .object({
    document_id: z
      .string()
      .openapi({ description: 'Unique identifier for the document.', example: 'd8k2m4q8r1t5v7w9y2a4b6c0' }),
    document_name: z.string().openapi({ description: 'Name of the document.', example: 'Example Docs' }),
    document_url: z.string().nullable().openapi({
      description: 'URL of the document; null for an upload.',
      example: 'https://docs.example.com/',
    }),
    file_name: z
      .string()
      .nullable()
      .openapi({ description: 'personakit: the uploaded file name; null for a URL.', example: null }),
    status: z.enum(documentStatuses).openapi({ description: 'Processing status.', example: 'ready' }),
    progress: z.string().nullable().openapi({
      description: 'Progress while processing, as a percentage ("50%"); else null.',
      example: null,
    }),
    error_code: z
      .string()
      .nullable()
      .openapi({
        description:
          'personakit: why a document is in `error`: file_size_too_large, file_format_unsupported, invalid_file_url, ' +
          'file_empty, website_processing_failed, chunking_failed, processing_timeout or internal_error.',
        example: null,
      }),
    error_message: z
      .string()
      .nullable()
      .openapi({ description: 'personakit: the error in words.', example: null }),
    created_at: z
      .string()
      .openapi({ description: 'ISO 8601 creation time.', example: '2026-01-01T12:00:00.000Z' }),
    updated_at: z
      .string()
      .openapi({ description: 'ISO 8601 time of the last change.', example: '2026-01-01T12:05:00.000Z' }),
    callback_url: z
      .string()
      .nullable()
      .openapi({ description: 'URL that receives status updates.', example: null }),
    tags: z.array(z.string()).openapi({ description: 'Document tags.', example: ['docs', 'website'] }),
    crawl_config: CrawlSchema.nullable().openapi({
      description: 'The crawl configuration (crawl documents only).',
    }),
    crawled_urls: z
      .array(z.string())
      .nullable()
      .openapi({ description: 'URLs crawled (crawl documents, after processing).', example: null }),
    last_crawled_at: z
      .string()
      .nullable()
      .openapi({ description: 'When the document was last crawled.', example: null }),
    crawl_count: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'Times the document was crawled.', example: null }),
  })
  .openapi('TavusDocument');

export const DocumentList = z
  .object({
    data: z.array(DocumentSchema),
    total_count: z.number().int().openapi({ description: 'Documents matching the filters.', example: 42 }),
    page: z.number().int().openapi({ description: 'The page (0-based).', example: 0 }),
    limit: z.number().int().openapi({ description: 'Documents per page.', example: 10 }),
  })
  .openapi('TavusDocumentList');

export const DocumentIdParam = z.object({
  document_id: z
    .string()
    .regex(idPattern)
    .openapi({
      param: { name: 'document_id', in: 'path' },
      description: 'The unique identifier of the document.',
      example: 'd8k2m4q8r1t5v7w9y2a4b6c0',
    }),
});

/** Query text reaches SQL as a parameter: NUL (PostgreSQL text cannot hold it) and lone surrogates are a 400. */
const queryText = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((v) => v.isWellFormed() && !v.includes('\0'), 'must be well-formed text without NUL characters');

export const DocumentListQuery = z.object({
  limit: z.coerce
    .number()
    .int('must be a positive integer')
    .min(1, 'must be a positive integer')
    .max(100, 'must be at most 100')
    .default(10)
    .openapi({
      param: { name: 'limit', in: 'query' },
      description: 'Documents per page (default 10).',
      example: 10,
    }),
  page: z.coerce
    .number()
    .int('must be a non-negative integer')
    .min(0, 'must be a non-negative integer')
    .max(1_000_000, 'must be at most 1000000')
    .default(0)
    .openapi({
      param: { name: 'page', in: 'query' },
      description: 'Page number (0-based, default 0).',
      example: 0,
    }),
  sort: z
    .enum(['ascending', 'descending'])
    .default('ascending')
    .openapi({ param: { name: 'sort', in: 'query' }, description: 'By creation time (default ascending).' }),
  status: queryText(32)
    .optional()
    .openapi({ param: { name: 'status', in: 'query' }, description: 'Only documents with this status.' }),
  name_or_uuid: queryText(256)
    .optional()
    .openapi({
      param: { name: 'name_or_uuid', in: 'query' },
      description: 'A document id, or part of a name.',
    }),
  tags: queryText(4096)
    .optional()
    .openapi({
      param: { name: 'tags', in: 'query' },
      description: 'Comma-separated tags; any matches.',
      example: 'important,meeting',
    }),
});

export const DocumentPatchBody = z
  .object({ document_name: document_name.optional(), tags: tags.optional() })
  .openapi('TavusDocumentPatch');

export const RecrawlBody = z.object({ crawl: CrawlSchema.optional() }).openapi('TavusDocumentRecrawl');

export const KnowledgeSearchBody = z
  .object({
    query: z.string().min(1, 'is required').max(2000, 'must be at most 2000 characters').openapi({
      description: 'What to look for.',
      example: 'How do I rotate an API key?',
    }),
    document_ids: z
      .array(z.string())
      .max(1000)
      .optional()
      .openapi({ description: 'Search these documents.' }),
    document_tags: z
      .array(z.string())
      .max(100)
      .optional()
      .openapi({ description: 'Search documents with any of these tags.' }),
    persona_id: z
      .string()
      .optional()
      .openapi({ description: "Search the persona's document_ids and document_tags." }),
    limit: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(10)
      .openapi({ description: 'Passages to return (1-100, default 10).' }),
    strategy: z.enum(['speed', 'balanced', 'quality']).default('balanced').openapi({
      description: 'Retrieval strategy (hybrid ranking when embeddings are configured).',
    }),
  })
  .openapi('KnowledgeSearch');

export const Passage = z
  .object({
    document_id: z.string(),
    document_name: z.string(),
    chunk_id: z.string(),
    text: z.string(),
    score: z.number().openapi({ description: 'Relevance; higher is better (comparable within one answer).' }),
    position: z
      .object({
        ordinal: z.number().int().openapi({ description: 'The passage index in its document (0-based).' }),
        heading_path: z
          .array(z.string())
          .openapi({ description: 'Headings above the passage, outermost first.' }),
        page: z.number().int().optional().openapi({ description: 'PDF page or slide (1-based).' }),
        sheet: z.string().optional().openapi({ description: 'Spreadsheet sheet.' }),
        url: z.string().optional().openapi({ description: 'Web page the passage came from.' }),
      })
      .openapi({ description: 'Where the passage is, for a citation.' }),
  })
  .openapi('KnowledgePassage');

export const KnowledgeSearchResult = z
  .object({ data: z.array(Passage).openapi({ description: 'Passages, best first.' }) })
  .openapi('KnowledgeSearchResult');

const ErrorBody = z
  .object({
    error: z
      .string()
      .openapi({ description: 'The error message.', example: 'Invalid request: document_url is required' }),
  })
  .openapi('TavusDocumentError');
const MessageBody = z
  .object({
    message: z.string().openapi({ description: 'The error message.', example: 'Document not found' }),
  })
  .openapi('TavusDocumentMessage');

const docErrorDescriptions: Record<number, string> = {
  400: 'Invalid request; `error` says which field (a private or unresolvable URL included).',
  401: 'Missing or invalid API key: `{"message": "Invalid access token"}`.',
  404: 'No such document for this account: `{"message": "Document not found"}`.',
  409: "The document's state prevents this (`error` says which state).",
  413: 'Request body too large: 1 MiB for JSON, 50 MB for an uploaded file.',
  415: 'Content-Type must be application/json (or multipart/form-data where an upload is accepted).',
  429: 'A crawl limit: 100 crawl documents, 5 crawls at a time, 1 hour between recrawls.',
};

/** Tavus words 400, 409 and 429 of these routes as `{"error"}`, the rest as `{"message"}`. */
export const docErrorResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [
      s,
      {
        description: docErrorDescriptions[s] ?? 'Error',
        content: {
          'application/json': { schema: s === 400 || s === 409 || s === 429 ? ErrorBody : MessageBody },
        },
      },
    ]),
  );
