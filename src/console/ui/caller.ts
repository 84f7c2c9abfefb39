import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

/** The signed-in key as GET /v1/me describes it: what the console may offer. */
export interface Caller {
  key_id: string;
  account_id: string;
  scopes: string[];
  operator: boolean;
  expires_at: string | null;
}

export type Scope =
  | 'personas:read'
  | 'personas:write'
  | 'refine'
  | 'chat'
  | 'conversations'
  | 'documents'
  | 'music'
  | 'keys'
  | 'usage'
  | 'accounts';

export const CallerContext = createContext<Caller | null>(null);

/** The signed-in caller (pages render only when signed in). */
export function useCaller(): Caller {
  const c = useContext(CallerContext);
  if (!c) throw new Error('useCaller outside a signed-in console');
  return c;
}

/** Whether the signed-in key holds a scope: what it does not hold is not offered. */
export function useCan(): (scope: Scope) => boolean {
  const c = useCaller();
  return (scope) => c.scopes.includes(scope);
}
