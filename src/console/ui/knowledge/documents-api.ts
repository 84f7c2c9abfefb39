import type { components } from '../../../client/schema.ts';
import { ApiError, api, apiFetch, errorMessage, query, session } from '../api.ts';

/** The Tavus document object (/v2/documents) and the knowledge search passages, as the console uses them. */

// The route contract's own types (src/client/schema.ts is generated from it): no second copy to drift.
type Schemas = components['schemas'];
export type Doc = Schemas['TavusDocument'];
export type DocumentStatus = Doc['status'];
export type DocList = Schemas['TavusDocumentList'];
export type Passage = Schemas['KnowledgePassage'];

/** Documents still being worked on: their list is polled until none is. */
export const isBusy = (d: Pick<Doc, 'status'>) =>
  d.status === 'started' || d.status === 'processing' || d.status === 'recrawling';

/** "40%" → 40; null while there is no figure yet. */
export function progressOf(d: Pick<Doc, 'progress'>): number | null {
  if (d.progress === null) return null;
  const n = Number.parseFloat(d.progress);
  return Number.isFinite(n) ? Math.min(100, Math.max(0, n)) : null;
}

export function listDocuments(
  params: { page: number; limit: number; status?: string; name_or_uuid?: string; sort?: string },
  signal?: AbortSignal,
): Promise<DocList> {
  return api<DocList>(`/v2/documents${query(params)}`, { signal });
}

export const getDocument = (id: string, signal?: AbortSignal) =>
  api<Doc>(`/v2/documents/${encodeURIComponent(id)}`, { signal });

export const deleteDocument = (id: string) =>
  api<void>(`/v2/documents/${encodeURIComponent(id)}`, { method: 'DELETE' });

export const recrawlDocument = (id: string) =>
  api<Doc>(`/v2/documents/${encodeURIComponent(id)}/recrawl`, { method: 'POST', json: {} });

/** The extracted text (headings as Markdown); the API answers 409 while the document is not ready. */
export async function documentContent(id: string, signal?: AbortSignal): Promise<string> {
  const res = await apiFetch(`/v2/documents/${encodeURIComponent(id)}/content`, { signal });
  return res.text();
}

export interface UrlDocument {
  document_url: string;
  document_name?: string;
  tags?: string[];
  crawl?: { depth: number; max_pages: number };
}

export const createFromUrl = (body: UrlDocument) => api<Doc>('/v2/documents', { method: 'POST', json: body });

/**
 * Uploads one file as multipart/form-data. XMLHttpRequest rather than fetch: only it reports upload
 * progress, which a 50 MB file needs. Errors come back in the API's words, as apiFetch gives them.
 */
export function uploadDocument(
  file: File,
  fields: { document_name?: string; tags?: string },
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<Doc> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    if (fields.document_name) form.append('document_name', fields.document_name);
    if (fields.tags) form.append('tags', fields.tags);
    form.append('file', file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/v2/documents');
    const key = session.key();
    if (key) xhr.setRequestHeader('authorization', `Bearer ${key}`);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: unknown = xhr.responseText;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON: the text itself
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as Doc);
      else reject(new ApiError(xhr.status, errorMessage(xhr.status, body)));
    };
    xhr.onerror = () => reject(new ApiError(0, 'Cannot reach the server. Is it running?'));
    xhr.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}

export function searchKnowledge(
  body: { query: string; persona_id?: string; document_ids?: string[]; limit?: number },
  signal?: AbortSignal,
): Promise<{ data: Passage[] }> {
  return api<{ data: Passage[] }>('/v2/knowledge/search', { method: 'POST', json: body, signal });
}

/** A link target only for web addresses: a document URL is user text and must not become script. */
export function safeHref(url: string | null | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}
