import type { ComponentChildren, JSX } from 'preact';
import { useId } from 'preact/hooks';

/**
 * The console's small shared pieces. Every text they show is rendered as text (Preact escapes it);
 * nothing here, or anywhere in the console, sets HTML from a string.
 */

/** A label, the control, a hint and the field's error, tied together for screen readers. */
export function Field(props: {
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  children: (id: string, describedBy: string | undefined) => ComponentChildren;
}) {
  const id = useId();
  const hintId = props.hint ? `${id}-hint` : undefined;
  const errId = props.error ? `${id}-err` : undefined;
  const describedBy = [hintId, errId].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${props.error ? ' field-invalid' : ''}`}>
      <label for={id}>{props.label}</label>
      {props.children(id, describedBy)}
      {props.hint && (
        <p class="hint" id={hintId}>
          {props.hint}
        </p>
      )}
      {props.error && (
        <p class="field-error" id={errId}>
          {props.error}
        </p>
      )}
    </div>
  );
}

type InputProps = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, 'onInput' | 'value' | 'label'>;

/** A labelled text input whose value is a string. */
export function TextField(
  props: InputProps & {
    label: string;
    value: string;
    onValue: (v: string) => void;
    hint?: string | undefined;
    error?: string | undefined;
  },
) {
  const { label, value, onValue, hint, error, ...rest } = props;
  return (
    <Field label={label} hint={hint} error={error}>
      {(id, describedBy) => (
        <input
          {...rest}
          id={id}
          value={value}
          aria-describedby={describedBy}
          aria-invalid={error ? true : undefined}
          onInput={(e) => onValue(e.currentTarget.value)}
        />
      )}
    </Field>
  );
}

/** A labelled textarea. */
export function TextArea(props: {
  label: string;
  value: string;
  onValue: (v: string) => void;
  hint?: string | undefined;
  error?: string | undefined;
  rows?: number;
  maxLength?: number;
  placeholder?: string;
}) {
  return (
    <Field label={props.label} hint={props.hint} error={props.error}>
      {(id, describedBy) => (
        <textarea
          id={id}
          rows={props.rows ?? 4}
          maxLength={props.maxLength}
          placeholder={props.placeholder}
          value={props.value}
          aria-describedby={describedBy}
          aria-invalid={props.error ? true : undefined}
          onInput={(e) => props.onValue(e.currentTarget.value)}
        />
      )}
    </Field>
  );
}

/** A labelled select; `''` is the empty choice when `emptyLabel` is given. */
export function SelectField(props: {
  label: string;
  value: string;
  options: readonly (string | { value: string; label: string })[];
  onValue: (v: string) => void;
  emptyLabel?: string;
  hint?: string | undefined;
  error?: string | undefined;
}) {
  return (
    <Field label={props.label} hint={props.hint} error={props.error}>
      {(id, describedBy) => (
        <select
          id={id}
          value={props.value}
          aria-describedby={describedBy}
          aria-invalid={props.error ? true : undefined}
          onChange={(e) => props.onValue(e.currentTarget.value)}
        >
          {props.emptyLabel !== undefined && <option value="">{props.emptyLabel}</option>}
          {props.options.map((o) =>
            typeof o === 'string' ? (
              <option key={o} value={o}>
                {o}
              </option>
            ) : (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ),
          )}
        </select>
      )}
    </Field>
  );
}

/** An error in words, announced to screen readers. Renders nothing without a message. */
export function ErrorBanner(props: { message: string | undefined; onDismiss?: () => void }) {
  if (!props.message) return null;
  return (
    <div class="banner banner-error" role="alert">
      <span>{props.message}</span>
      {props.onDismiss && (
        <button type="button" class="link" onClick={props.onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}

/** A success or information line. */
export function Notice(props: { message: string | undefined }) {
  if (!props.message) return null;
  return (
    <div class="banner banner-info" role="status">
      {props.message}
    </div>
  );
}

/** Long work: a progress bar with a label (indeterminate without a value). */
export function Progress(props: { label: string; value?: number | undefined; max?: number }) {
  return (
    <div class="progress" role="status">
      <progress value={props.value} max={props.max ?? 100} aria-label={props.label} />
      <span>{props.label}</span>
    </div>
  );
}

/** "Nothing here yet", with what to do about it. */
export function EmptyState(props: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <p class="empty-title">{props.title}</p>
      {props.children}
    </div>
  );
}

/** Cursor pages: previous (the pages seen are remembered) and next (the API's next_cursor). */
export function Pager(props: { page: number; hasNext: boolean; onPrev: () => void; onNext: () => void }) {
  if (props.page === 0 && !props.hasNext) return null;
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" onClick={props.onPrev} disabled={props.page === 0}>
        Previous
      </button>
      <span>Page {props.page + 1}</span>
      <button type="button" onClick={props.onNext} disabled={!props.hasNext}>
        Next
      </button>
    </nav>
  );
}

/** A small label, e.g. a persona's source. */
export function Badge(props: { kind: string; children: ComponentChildren }) {
  return <span class={`badge badge-${props.kind}`}>{props.children}</span>;
}

/** A page's title and its actions. */
export function PageHeader(props: { title: string; children?: ComponentChildren }) {
  return (
    <div class="page-header">
      <h1 tabIndex={-1}>{props.title}</h1>
      {props.children && <div class="actions">{props.children}</div>}
    </div>
  );
}

/** A titled part of a page. */
export function Section(props: { title: string; id?: string; children: ComponentChildren }) {
  const id = useId();
  return (
    <section class="section" aria-labelledby={id} id={props.id}>
      <h2 id={id}>{props.title}</h2>
      {props.children}
    </section>
  );
}
