import type { components } from '../../../client/schema.ts';
import { api, query } from '../api.ts';

/** GET /v1/usage and /v1/keys, as the Keys & usage page uses them. */

// The route contract's own types (src/client/schema.ts is generated from it): no second copy to drift.
type Schemas = components['schemas'];
export type UsageReport = Schemas['UsageReport'];
export type UsageGroup = UsageReport['group_by'];
export type UsageRow = UsageReport['data'][number];

export const getUsage = (group_by: UsageGroup, range: { from?: string; to?: string }, signal?: AbortSignal) =>
  api<UsageReport>(`/v1/usage${query({ group_by, ...range })}`, { signal });

export type ApiKey = Schemas['ApiKey'];

export const listKeys = (cursor: string | undefined, signal?: AbortSignal) =>
  api<Schemas['ApiKeyList']>(`/v1/keys${query({ limit: 20, cursor })}`, { signal });

export const createKey = (body: { name?: string; scopes?: string[]; expires_at?: string }) =>
  api<Schemas['ApiKeyCreated']>('/v1/keys', { method: 'POST', json: body });

export const revokeKey = (id: string) =>
  api<ApiKey>(`/v1/keys/${encodeURIComponent(id)}`, { method: 'DELETE' });
