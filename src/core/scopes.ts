import { AppError } from './errors.ts';

/**
 * What a key may do. Every operation of every surface needs exactly one scope (src/http/scopes.ts maps
 * operationId → scope); a key holds a set of them. `accounts` is held only by operator keys.
 */
export const SCOPES = [
  'personas:read',
  'personas:write',
  'refine',
  'chat',
  'conversations',
  'documents',
  'music',
  'keys',
  'usage',
  'accounts',
] as const;

export type Scope = (typeof SCOPES)[number];

/** The scopes an account key may be given (accounts is the operator's). */
export const GRANTABLE_SCOPES: readonly Scope[] = SCOPES.filter((s) => s !== 'accounts');

const known = new Set<string>(SCOPES);
export const isScope = (s: string): s is Scope => known.has(s);

/** Who is calling: the account, which of its keys, and what that key may do. */
export interface Principal {
  /** '' for the environment's operator key, which belongs to no account. */
  accountId: string;
  keyId: string;
  /** null: every scope (keys made before scopes existed, and keys made without a list by the CLI). */
  scopes: ReadonlySet<Scope> | null;
  operator: boolean;
  /** Epoch ms after which the key no longer works, or null. */
  expiresAt: number | null;
  /** Per-day budgets of the key, or null when it has none. */
  budget: { requests: number | null; tokens: number | null } | null;
}

export function holds(p: Principal, scope: Scope): boolean {
  if (scope === 'accounts') return p.operator;
  return p.scopes === null || p.scopes.has(scope);
}

/** Throws the 403 every surface maps to its own error shape. */
export function requireScope(p: Principal, scope: Scope, operationId: string): void {
  if (holds(p, scope)) return;
  if (scope === 'accounts')
    throw new AppError(
      'forbidden',
      `${operationId} needs an operator key (PERSONAKIT_ADMIN_KEY or keys create --operator)`,
    );
  throw new AppError('forbidden', `This API key lacks the scope '${scope}' that ${operationId} requires`);
}

/** The scopes a key holds, as listed on the wire. */
export const scopeList = (p: Pick<Principal, 'scopes' | 'operator'>): Scope[] => {
  const list = p.scopes === null ? [...GRANTABLE_SCOPES] : [...p.scopes];
  if (p.operator && !list.includes('accounts')) list.push('accounts');
  return list;
};
