import { api, query } from './api.ts';

/** Wire shapes the persona pages read (src/surfaces/opengiant/schemas.ts and personas-catalog.ts). */
export type PersonaSource = 'opengiant' | 'tavus' | 'suno' | 'card';

export interface CatalogItem {
  id: string;
  name: string;
  description: string;
  source: PersonaSource;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface Persona {
  id: string;
  name: string;
  description: string;
  attributes: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  version: number;
  warnings?: { field: string; message: string }[];
}

export const sourceLabel: Record<PersonaSource, string> = {
  opengiant: 'OpenGiant',
  tavus: 'Tavus',
  suno: 'Suno',
  card: 'Imported card',
};

export const listCatalog = (
  q: { q?: string; source?: string; cursor?: string | undefined; limit?: number },
  signal?: AbortSignal,
) =>
  api<{ data: CatalogItem[]; next_cursor: string | null }>(
    `/v1/catalog/personas${query({ limit: q.limit ?? 20, q: q.q, source: q.source, cursor: q.cursor })}`,
    { signal },
  );

export const getPersona = (id: string, signal?: AbortSignal) =>
  api<Persona>(`/v1/personas/${encodeURIComponent(id)}`, { signal });
