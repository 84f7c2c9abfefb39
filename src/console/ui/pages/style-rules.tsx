import { useMemo, useState } from 'preact/hooks';
import { attributeProblems, styleEnums } from '../../../style/vocabulary.ts';
import { ApiError, api } from '../api.ts';
import { ErrorBanner, SelectField, TextArea, TextField } from '../components/ui.tsx';
import { useAction } from '../hooks.ts';
import type { Persona, PersonaUpdated } from '../personas-api.ts';

/**
 * A persona's style rules as a form: each attribute of the style vocabulary with its allowed values,
 * taken from the code the API validates with (src/style/vocabulary.ts), so the form and the API agree.
 * Free-form attributes (tone, audience…) are lines of `key: value`. Attributes the form cannot show as
 * text (other objects, numbers) are kept as they are.
 */

type EnumKey = keyof typeof styleEnums;
const ENUM_KEYS = Object.keys(styleEnums) as EnumKey[];
const KNOWN = new Set<string>([
  ...ENUM_KEYS,
  'vocabulary',
  'banned_phrases',
  'max_words',
  'max_sentences',
  'greeting',
  'sign_off',
]);

const enumHelp: Record<EnumKey, string> = {
  formality: 'formal: no slang or contractions; casual: no stiff wording.',
  contractions: 'Contract or expand; overrides what formality implies.',
  emoji: 'none: no emoji; light: at most one.',
  exclamations: 'none: no "!"; light: at most one.',
  spelling: 'British or American spelling.',
};

interface FormState {
  enums: Record<EnumKey, string>;
  max_words: string;
  max_sentences: string;
  greeting: string;
  sign_off: string;
  banned: string;
  vocabulary: string;
  other: string;
}

const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

function fromAttributes(a: Record<string, unknown>): FormState {
  const canonical = (key: EnumKey) => {
    const v = str(a[key]).trim().toLowerCase().replace('_', '-');
    return (styleEnums[key] as readonly string[]).find((x) => x.toLowerCase() === v) ?? '';
  };
  const vocab = a.vocabulary;
  const banned = a.banned_phrases;
  return {
    enums: Object.fromEntries(ENUM_KEYS.map((k) => [k, canonical(k)])) as Record<EnumKey, string>,
    max_words: str(a.max_words),
    max_sentences: str(a.max_sentences),
    greeting: str(a.greeting),
    sign_off: str(a.sign_off),
    banned: Array.isArray(banned) ? banned.filter((x) => typeof x === 'string').join('\n') : str(banned),
    vocabulary:
      typeof vocab === 'object' && vocab !== null && !Array.isArray(vocab)
        ? Object.entries(vocab)
            .map(([from, to]) => `${from} = ${str(to)}`)
            .join('\n')
        : '',
    other: Object.entries(a)
      .filter(([k, v]) => !KNOWN.has(k) && typeof v === 'string')
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n'),
  };
}

const lines = (s: string) =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');

/** The attributes the form stands for, or the problems found in it (field → words). */
function toAttributes(
  f: FormState,
  previous: Record<string, unknown>,
): { attributes: Record<string, unknown>; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  // Kept as they were: what the form shows no control for.
  const attributes: Record<string, unknown> = Object.fromEntries(
    Object.entries(previous).filter(([k, v]) => !KNOWN.has(k) && typeof v !== 'string'),
  );
  for (const k of ENUM_KEYS) if (f.enums[k]) attributes[k] = f.enums[k];
  for (const k of ['max_words', 'max_sentences'] as const) {
    const v = f[k].trim();
    if (v !== '') attributes[k] = /^\d+$/.test(v) ? Number(v) : v;
  }
  if (f.greeting.trim()) attributes.greeting = f.greeting;
  if (f.sign_off.trim()) attributes.sign_off = f.sign_off;
  const banned = lines(f.banned);
  if (banned.length > 0) attributes.banned_phrases = banned;
  const vocab: Record<string, string> = {};
  lines(f.vocabulary).forEach((l, i) => {
    const eq = l.indexOf('=');
    const from = eq === -1 ? '' : l.slice(0, eq).trim();
    const to = eq === -1 ? '' : l.slice(eq + 1).trim();
    if (!from || !to) errors.vocabulary = `Line ${i + 1}: write it as word = replacement`;
    else vocab[from] = to;
  });
  if (Object.keys(vocab).length > 0) attributes.vocabulary = vocab;
  lines(f.other).forEach((l, i) => {
    const colon = l.indexOf(':');
    const key = colon === -1 ? '' : l.slice(0, colon).trim();
    const value = colon === -1 ? '' : l.slice(colon + 1).trim();
    if (!key || !value) errors.other = `Line ${i + 1}: write it as key: value`;
    else if (KNOWN.has(key)) errors.other = `Line ${i + 1}: "${key}" has its own field above`;
    else attributes[key] = value;
  });
  // The API's own rules, from the same code: a value it would refuse is said here first.
  for (const p of attributeProblems(attributes)) errors[p.key] ??= p.message;
  return { attributes, errors };
}

export function StyleRulesForm(props: {
  persona: Persona;
  canWrite: boolean;
  /** Called with what to tell the user; the form is then remounted with the saved persona. */
  onSaved: (message: string) => void;
}) {
  const initial = useMemo(() => fromAttributes(props.persona.attributes), [props.persona]);
  const [f, setF] = useState(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [run, busy, error] = useAction();
  const set =
    <K extends keyof FormState>(k: K) =>
    (v: FormState[K]) =>
      setF((s) => ({ ...s, [k]: v }));
  const setEnum = (k: EnumKey) => (v: string) => setF((s) => ({ ...s, enums: { ...s.enums, [k]: v } }));

  const submit = (e: Event) => {
    e.preventDefault();
    const { attributes, errors: found } = toAttributes(f, props.persona.attributes);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    void run(async () => {
      try {
        const p = await api<PersonaUpdated>(`/v1/personas/${encodeURIComponent(props.persona.id)}`, {
          method: 'PATCH',
          json: { attributes },
        });
        props.onSaved(
          p.warnings && p.warnings.length > 0
            ? `Saved, with warnings: ${p.warnings.map((w) => `${w.field}: ${w.message}`).join('; ')}`
            : 'Style rules saved.',
        );
      } catch (err) {
        // "attributes.emoji: must be one of …": shown beside the field it names, too.
        if (err instanceof ApiError) {
          const m = /^attributes\.([a-z_]+): (.*)$/.exec(err.message);
          if (m?.[1] && m[2]) setErrors({ [m[1]]: m[2] });
        }
        throw err;
      }
    });
  };
  const disabled = !props.canWrite;
  return (
    <form onSubmit={submit} aria-label="Style rules">
      <fieldset disabled={disabled}>
        <legend>Tone and form</legend>
        <div class="grid2">
          {ENUM_KEYS.map((k) => (
            <SelectField
              key={k}
              label={k.replace('_', ' ')}
              value={f.enums[k]}
              onValue={setEnum(k)}
              emptyLabel="(no rule)"
              options={styleEnums[k]}
              hint={enumHelp[k]}
              error={errors[k]}
            />
          ))}
        </div>
      </fieldset>
      <fieldset disabled={disabled}>
        <legend>Length</legend>
        <div class="grid2">
          <TextField
            label="Max words"
            inputMode="numeric"
            value={f.max_words}
            onValue={set('max_words')}
            hint="Longest answer in words (greeting and sign-off not counted)."
            error={errors.max_words}
          />
          <TextField
            label="Max sentences"
            inputMode="numeric"
            value={f.max_sentences}
            onValue={set('max_sentences')}
            hint="Longest answer in sentences."
            error={errors.max_sentences}
          />
        </div>
      </fieldset>
      <fieldset disabled={disabled}>
        <legend>Words</legend>
        <div class="grid2">
          <TextField
            label="Greeting"
            value={f.greeting}
            onValue={set('greeting')}
            hint="Text the answer starts with."
            error={errors.greeting}
          />
          <TextField
            label="Sign-off"
            value={f.sign_off}
            onValue={set('sign_off')}
            hint="Text the answer ends with."
            error={errors.sign_off}
          />
        </div>
        <TextArea
          label="Banned phrases"
          value={f.banned}
          onValue={set('banned')}
          hint="One per line; removed and checked for."
          error={errors.banned_phrases}
        />
        <TextArea
          label="Vocabulary"
          value={f.vocabulary}
          onValue={set('vocabulary')}
          hint="One per line: word = replacement (customer = member)."
          error={errors.vocabulary}
        />
        <TextArea
          label="Other attributes"
          value={f.other}
          onValue={set('other')}
          hint="One per line: key: value (tone: warm). Given to AI providers as style-guide lines."
          error={errors.other}
        />
      </fieldset>
      <ErrorBanner message={error} />
      {props.canWrite && (
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save style rules'}
        </button>
      )}
    </form>
  );
}
