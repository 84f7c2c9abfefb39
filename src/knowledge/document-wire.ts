import type { DocumentRow } from '../storage/schema.ts';

/**
 * The Tavus document object (Get Document's 200 body), also the body of every callback. Beyond Tavus:
 * `error_code`/`error_message` say why a document is in `error`; `file_name` names an upload (whose
 * `document_url` is null).
 */
export function documentWire(row: DocumentRow) {
  return {
    document_id: row.id,
    document_name: row.name,
    document_url: row.document_url,
    file_name: row.file_name,
    status: row.status as DocumentStatus,
    progress: row.progress === null ? null : `${row.progress}%`,
    error_code: row.error_code,
    error_message: row.error_message,
    created_at: row.created_at,
    updated_at: row.updated_at,
    callback_url: row.callback_url,
    tags: parseStrings(row.tags) ?? [],
    crawl_config: row.crawl_config === null ? null : (JSON.parse(row.crawl_config) as CrawlConfig),
    crawled_urls: row.crawled_urls === null ? null : (parseStrings(row.crawled_urls) ?? []),
    last_crawled_at: row.last_crawled_at,
    crawl_count: row.crawl_count,
  };
}

export const documentStatuses = ['started', 'processing', 'recrawling', 'ready', 'error'] as const;
export type DocumentStatus = (typeof documentStatuses)[number];

export type DocumentWire = ReturnType<typeof documentWire>;

export interface CrawlConfig {
  depth: number;
  max_pages: number;
}

export function parseStrings(text: string | null): string[] | undefined {
  if (text === null) return undefined;
  const v: unknown = JSON.parse(text);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
}
