import { useEffect, useState } from 'preact/hooks';
import { SelectField, TextField } from '../components/ui.tsx';

/**
 * Which LLM answers: the local engine (no key, no network) or a provider with the caller's own key,
 * used for one request and never stored (not even in the tab). The provider list is the API's own
 * (RefineRequest.provider in /openapi.json), so the picker offers exactly what the server accepts.
 */
export interface LlmChoice {
  provider: string;
  model: string;
  key: string;
  baseUrl: string;
}

export const LLM_DEFAULT: LlmChoice = { provider: 'local', model: '', key: '', baseUrl: '' };

let providers: Promise<string[]> | undefined;
function loadProviders(): Promise<string[]> {
  providers ??= fetch('/openapi.json')
    .then((r) => r.json())
    .then(
      (doc: {
        components?: { schemas?: Record<string, { properties?: { provider?: { enum?: unknown } } }> };
      }) => {
        const list = doc.components?.schemas?.RefineRequest?.properties?.provider?.enum;
        return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : ['local'];
      },
    )
    .catch(() => ['local']);
  return providers;
}

export function LlmPicker(props: {
  value: LlmChoice;
  onChange: (v: LlmChoice) => void;
  allowDefault?: boolean;
}) {
  const [list, setList] = useState<string[]>(['local']);
  useEffect(() => {
    void loadProviders().then(setList);
  }, []);
  const v = props.value;
  const set = (k: keyof LlmChoice) => (x: string) => props.onChange({ ...v, [k]: x });
  const remote = v.provider !== 'local' && v.provider !== '';
  return (
    <fieldset>
      <legend>Model</legend>
      <div class="row">
        <SelectField
          label="Provider"
          value={v.provider}
          onValue={set('provider')}
          options={list.map((p) => ({ value: p, label: p === 'local' ? 'local (rule engine, no key)' : p }))}
          {...(props.allowDefault ? { emptyLabel: "The persona's or the server's default" } : {})}
        />
        {remote && (
          <TextField
            label="Model name"
            value={v.model}
            onValue={set('model')}
            placeholder="provider default"
          />
        )}
        {remote && (
          <TextField
            label="Provider API key"
            type="password"
            autoComplete="off"
            value={v.key}
            onValue={set('key')}
            hint="Used for this request only; never stored."
          />
        )}
        {v.provider === 'openai-compatible' && (
          <TextField
            label="Base URL"
            type="url"
            value={v.baseUrl}
            onValue={set('baseUrl')}
            placeholder="https://llm.example.com/v1"
          />
        )}
      </div>
    </fieldset>
  );
}
