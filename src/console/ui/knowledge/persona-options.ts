import { api } from '../api.ts';
import { useCan } from '../caller.ts';
import { useAsync } from '../hooks.ts';

interface CatalogItem {
  id: string;
  name: string;
}

/**
 * The account's personas as select options (the newest 100: a picker, not a browser), for pages that
 * scope something to a persona. Empty, with no request, when the key may not read personas.
 */
export function usePersonaOptions(wanted = true): {
  options: { value: string; label: string }[];
  names: Map<string, string>;
  error: string | undefined;
} {
  const can = useCan();
  const allowed = wanted && can('personas:read');
  const list = useAsync<CatalogItem[]>(
    async (signal) =>
      allowed ? (await api<{ data: CatalogItem[] }>('/v1/catalog/personas?limit=100', { signal })).data : [],
    [allowed],
  );
  const items = list.data ?? [];
  return {
    options: items.map((p) => ({ value: p.id, label: p.name || p.id })),
    names: new Map(items.map((p) => [p.id, p.name])),
    error: list.error === undefined ? undefined : `Personas could not be listed: ${list.error}`,
  };
}
