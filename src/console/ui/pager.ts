import { useState } from 'preact/hooks';

/** Cursor paging state: the cursors of the pages seen, so "Previous" goes back without an API for it. */
export function useCursorPages() {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const page = cursors.length - 1;
  return {
    page,
    cursor: cursors[page],
    next: (cursor: string | null) => cursor && setCursors((c) => [...c, cursor]),
    prev: () => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)),
    reset: () => setCursors([undefined]),
  };
}
