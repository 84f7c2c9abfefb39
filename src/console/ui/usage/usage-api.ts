import { api, query } from '../api.ts';

/** GET /v1/usage and /v1/keys, as the Keys & usage page uses them. */

export type UsageGroup = 'day' | 'persona' | 'model' | 'key';

export interface UsageSums {
  requests: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  estimated_requests: number;
  errors: number;
  avg_latency_ms: number;
}

export interface UsageRow extends UsageSums {
  key_id?: string;
  persona_id?: string | null;
  provider?: string;
  model?: string;
  day?: string;
}

export interface UsageReport {
  from: string;
  to: string;
  group_by: UsageGroup;
  data: UsageRow[];
  totals: UsageSums;
  truncated: boolean;
}

export const getUsage = (group_by: UsageGroup, range: { from?: string; to?: string }, signal?: AbortSignal) =>
  api<UsageReport>(`/v1/usage${query({ group_by, ...range })}`, { signal });

export interface ApiKey {
  id: string;
  name: string | null;
  prefix: string;
  scopes: string[] | null;
  operator: boolean;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

export const listKeys = (cursor: string | undefined, signal?: AbortSignal) =>
  api<{ data: ApiKey[]; next_cursor: string | null }>(`/v1/keys${query({ limit: 20, cursor })}`, { signal });

export const createKey = (body: { name?: string; scopes?: string[]; expires_at?: string }) =>
  api<ApiKey & { key: string }>('/v1/keys', { method: 'POST', json: body });

export const revokeKey = (id: string) =>
  api<ApiKey>(`/v1/keys/${encodeURIComponent(id)}`, { method: 'DELETE' });
