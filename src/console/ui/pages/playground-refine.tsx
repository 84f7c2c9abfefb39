import { useRef, useState } from 'preact/hooks';
import { api, describeError, postStream } from '../api.ts';
import { CheckList, type StyleCheck } from '../components/checks.tsx';
import { ErrorBanner, Progress, TextArea } from '../components/ui.tsx';
import { SideBySide } from '../components/word-diff.tsx';
import { LLM_DEFAULT, type LlmChoice, LlmPicker } from './llm-picker.tsx';

/**
 * Refine: the pasted answer is checked against the persona's rules as it is (POST /v1/check), then
 * refined (POST /v1/refine, streamed: the result grows as it comes), then shown beside the original with
 * the changes marked and the result's checks.
 */
interface RefineResult {
  response: string;
  provider: string;
  model: string;
  checks: StyleCheck[];
}

export function RefineTab(props: { personaId: string }) {
  const [content, setContent] = useState('');
  const [llm, setLlm] = useState<LlmChoice>(LLM_DEFAULT);
  const [stream, setStream] = useState(true);
  const [before, setBefore] = useState<StyleCheck[] | undefined>();
  const [partial, setPartial] = useState('');
  const [result, setResult] = useState<RefineResult | undefined>();
  const [original, setOriginal] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const ctl = useRef<AbortController | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!props.personaId || !content.trim()) return;
    ctl.current?.abort();
    const abort = new AbortController();
    ctl.current = abort;
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    setBefore(undefined);
    setPartial('');
    setOriginal(content);
    const body = {
      personaId: props.personaId,
      content,
      provider: llm.provider || 'local',
      ...(llm.model ? { model: llm.model } : {}),
      ...(llm.key ? { providerApiKey: llm.key } : {}),
      ...(llm.baseUrl ? { baseUrl: llm.baseUrl } : {}),
    };
    try {
      const checked = await api<{ checks: StyleCheck[] }>('/v1/check', {
        method: 'POST',
        json: { personaId: props.personaId, content },
        signal: abort.signal,
      });
      setBefore(checked.checks);
      if (!stream) {
        setResult(
          await api<RefineResult>('/v1/refine', { method: 'POST', json: body, signal: abort.signal }),
        );
        return;
      }
      let text = '';
      await postStream(
        '/v1/refine',
        { ...body, stream: true },
        (data, event) => {
          const d = data as { text?: string; message?: string } & Partial<RefineResult>;
          if (event === 'delta' && typeof d.text === 'string') {
            text += d.text;
            setPartial(text);
          } else if (event === 'done') setResult(d as RefineResult);
          else if (event === 'error') setError(d.message ?? 'The refine failed.');
        },
        abort.signal,
      );
    } catch (err) {
      if (!abort.signal.aborted) setError(describeError(err));
    } finally {
      if (ctl.current === abort) setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} aria-label="Refine">
      <TextArea
        label="Answer to refine"
        value={content}
        onValue={setContent}
        rows={6}
        placeholder="Paste an AI answer here"
        hint="Rewritten in the persona's voice, then checked against its rules."
      />
      <LlmPicker value={llm} onChange={setLlm} />
      <div class="actions">
        <label class="inline">
          <input type="checkbox" checked={stream} onChange={(e) => setStream(e.currentTarget.checked)} />{' '}
          Stream the answer as it comes
        </label>
        <button type="submit" class="primary" disabled={busy || !props.personaId || !content.trim()}>
          {busy ? 'Refining…' : 'Refine'}
        </button>
        {busy && (
          <button type="button" onClick={() => ctl.current?.abort()}>
            Stop
          </button>
        )}
      </div>
      {!props.personaId && <p class="hint">Choose a persona first.</p>}
      <ErrorBanner message={error} />
      {busy && !partial && <Progress label="Waiting for the answer…" />}
      {(partial || result) && (
        <SideBySide
          before={original}
          after={result?.response ?? partial}
          afterTitle={
            result
              ? `Result (${result.provider}${result.model ? `, ${result.model}` : ''})`
              : 'Result (arriving…)'
          }
        />
      )}
      {before && (
        <div class="side">
          <div>
            <h3>Checks on the original</h3>
            <div data-testid="checks-before">
              <CheckList checks={before} label="Checks on the original" />
            </div>
          </div>
          {result && (
            <div>
              <h3>Checks on the result</h3>
              <div data-testid="checks-after">
                <CheckList checks={result.checks} label="Checks on the result" />
              </div>
            </div>
          )}
        </div>
      )}
    </form>
  );
}
