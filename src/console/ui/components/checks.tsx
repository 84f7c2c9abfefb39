import { Badge } from './ui.tsx';

/** A style rule checked on a text (src/style/checks.ts StyleCheck): passed, failed, or not checkable. */
export interface StyleCheck {
  rule: string;
  passed: boolean | null;
  detail: string;
}

/** Each check as a line: its verdict in words (not only colour), the rule and what was found. */
export function CheckList(props: { checks: StyleCheck[]; label?: string }) {
  if (props.checks.length === 0) return <p class="muted">No style rule to check.</p>;
  return (
    <ul class="checks" aria-label={props.label ?? 'Style checks'}>
      {props.checks.map((c) => (
        <li key={c.rule} data-rule={c.rule} data-passed={String(c.passed)}>
          <Badge kind={c.passed === false ? 'fail' : 'pass'}>
            {c.passed === true ? 'passed' : c.passed === false ? 'failed' : 'not checked'}
          </Badge>
          <code>{c.rule}</code>
          {c.detail && <span class="muted">{c.detail}</span>}
        </li>
      ))}
    </ul>
  );
}
