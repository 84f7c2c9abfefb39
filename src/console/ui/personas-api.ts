import type { components } from '../../client/schema.ts';
import { api, query } from './api.ts';

// The route contract's own types (src/client/schema.ts is generated from it): no second copy to drift.
type Schemas = components['schemas'];
export type CatalogItem = Schemas['PersonaCatalogItem'];
export type PersonaSource = CatalogItem['source'];
export type Persona = Schemas['Persona'];
/** PATCH's answer: the persona, and warnings for attribute keys one edit away from a style key. */
export type PersonaUpdated = Schemas['PersonaUpdated'];

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
  api<Schemas['PersonaCatalog']>(
    `/v1/catalog/personas${query({ limit: q.limit ?? 20, q: q.q, source: q.source, cursor: q.cursor })}`,
    { signal },
  );

export const getPersona = (id: string, signal?: AbortSignal) =>
  api<Persona>(`/v1/personas/${encodeURIComponent(id)}`, { signal });
