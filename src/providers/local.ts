import { applyLocalStyle } from '../style/index.ts';
import type { Completion, Provider } from './types.ts';
import { noUsage } from './wire.ts';

/** The deterministic rule engine as a provider: no key, no network, the same answer every time. */
export const LOCAL_MODEL = 'local-rules';

function run(content: string, attributes: Parameters<typeof applyLocalStyle>[1]): Completion {
  return { text: applyLocalStyle(content, attributes), model: LOCAL_MODEL, usage: noUsage() };
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
    const completion = run(req.content, req.attributes);
    return {
      async read(onDelta) {
        if (completion.text) onDelta(completion.text);
        return completion;
      },
    };
  },
};
