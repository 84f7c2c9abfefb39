import type { JsonObject } from '../core/persona.ts';
import { styleText } from '../style/off-thread.ts';
import type { Completion, Provider } from './types.ts';
import { noUsage } from './wire.ts';

/** The deterministic rule engine as a provider: no key, no network, the same answer every time. */
export const LOCAL_MODEL = 'local-rules';

/**
 * A large content runs off the event loop (style/off-thread.ts). The checks are run in the same pass and
 * carried on the completion, so refine does not send the text to the worker a second time.
 */
async function run(content: string, attributes: JsonObject): Promise<Completion> {
  const { text, checks } = await styleText(content, attributes, { apply: true, check: true });
  return { text, model: LOCAL_MODEL, usage: noUsage(), checks };
}

export const localProvider: Provider = {
  id: 'local',
  defaultModel: LOCAL_MODEL,
  defaultTarget: null,
  remote: false,
  async complete(_call, req) {
    return run(req.content, req.attributes);
  },
  async open(_call, req) {
    const completion = await run(req.content, req.attributes);
    return {
      async read(onDelta) {
        if (completion.text) onDelta(completion.text);
        return completion;
      },
    };
  },
};
