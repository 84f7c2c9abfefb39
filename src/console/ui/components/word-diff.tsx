import { diffWordsWithSpace } from 'diff';
import { useMemo } from 'preact/hooks';

/**
 * Original and result side by side, the words removed marked in the original and the words added marked
 * in the result (jsdiff's word diff, bundled). A diff that would take too long (very different long
 * texts) is given up after a bound, and the texts are shown unmarked.
 */
export function SideBySide(props: {
  before: string;
  after: string;
  beforeTitle?: string;
  afterTitle?: string;
}) {
  const parts = useMemo(() => {
    if (!props.before || !props.after) return undefined;
    return diffWordsWithSpace(props.before, props.after, { timeout: 300 });
  }, [props.before, props.after]);
  const changed = parts ? parts.filter((p) => p.added || p.removed).length : 0;
  return (
    <div>
      <div class="side">
        <div>
          <h3>{props.beforeTitle ?? 'Original'}</h3>
          <div class="text-box" data-testid="diff-before">
            {parts
              ? parts.map((p, i) =>
                  p.added ? null : p.removed ? (
                    // biome-ignore lint/suspicious/noArrayIndexKey: the diff is recomputed whole
                    <del key={i}>{p.value}</del>
                  ) : (
                    p.value
                  ),
                )
              : props.before}
          </div>
        </div>
        <div>
          <h3>{props.afterTitle ?? 'Result'}</h3>
          <div class="text-box" data-testid="diff-after" aria-live="polite">
            {parts
              ? parts.map((p, i) =>
                  p.removed ? null : p.added ? (
                    // biome-ignore lint/suspicious/noArrayIndexKey: the diff is recomputed whole
                    <ins key={i}>{p.value}</ins>
                  ) : (
                    p.value
                  ),
                )
              : props.after}
          </div>
        </div>
      </div>
      {parts && (
        <p class="muted">
          {changed === 0
            ? 'No change.'
            : `${changed} change${changed === 1 ? '' : 's'}: removed words are struck through, added words highlighted.`}
        </p>
      )}
    </div>
  );
}
