import { useEffect, useRef } from 'preact/hooks';
import { type Doc, isBusy, progressOf } from './documents-api.ts';

/** A document's status in words, with its progress bar while it is being processed. */
export function DocStatus({ doc }: { doc: Doc }) {
  const pct = progressOf(doc);
  return (
    <span class="doc-status">
      <span class={`badge badge-status-${doc.status}`} data-status={doc.status}>
        {doc.status}
      </span>
      {isBusy(doc) && (
        <progress
          max={100}
          value={pct ?? undefined}
          aria-label={`${doc.document_name}: ${pct === null ? 'waiting' : `${pct}%`}`}
        />
      )}
      {doc.status === 'error' && doc.error_message && <span class="error-text"> {doc.error_message}</span>}
    </span>
  );
}

/** Calls `tick` every `ms` while `active` (documents still processing); stops when not. */
export function usePolling(active: boolean, tick: () => void, ms = 1000): void {
  const latest = useRef(tick);
  latest.current = tick;
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => latest.current(), ms);
    return () => clearInterval(timer);
  }, [active, ms]);
}
