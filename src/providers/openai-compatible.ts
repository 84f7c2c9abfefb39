import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParams,
} from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import type { Usage } from './types.ts';
import {
  asObject,
  count,
  optString,
  parseJson,
  type StreamDecoder,
  StreamErrorEvent,
  StreamReport,
  WireError,
  type WireFormat,
} from './wire.ts';

/**
 * OpenAI chat completions (POST {base}/chat/completions), JSON and SSE. The same wire serves OpenAI and
 * every compatible server: Mistral, Groq, DeepSeek, Together, OpenRouter as named presets, and vLLM,
 * Ollama, LM Studio, llama.cpp through `openai-compatible` with a request baseUrl.
 * Wire shapes are checked against the `openai` package's types (type-only import).
 */
export interface OpenAiCompatibleOptions {
  /** OpenAI's own API wants max_completion_tokens (max_tokens is deprecated there); the others max_tokens. */
  maxTokensField: 'max_completion_tokens' | 'max_tokens';
  /** Ask for usage in the last stream chunk (stream_options.include_usage); servers that send it anyway skip it. */
  streamUsage: boolean;
}

type Chunk = Partial<ChatCompletionChunk> & {
  error?: { message?: unknown };
  /** Groq reports stream usage here. */
  x_groq?: { usage?: CompletionUsage };
};

function usageOf(u: Partial<CompletionUsage> | undefined): Usage {
  return { inputTokens: count(u?.prompt_tokens), outputTokens: count(u?.completion_tokens) };
}

export function openAiCompatibleWire(options: OpenAiCompatibleOptions): WireFormat {
  return {
    request(req, stream, apiKey) {
      const body: ChatCompletionCreateParams = {
        model: req.model,
        messages: [
          { role: 'system', content: req.system },
          { role: 'user', content: req.content },
        ],
        stream,
      };
      if (req.temperature !== undefined) body.temperature = req.temperature;
      if (req.maxTokens !== undefined) body[options.maxTokensField] = req.maxTokens;
      if (stream && options.streamUsage) body.stream_options = { include_usage: true };
      return {
        path: '/chat/completions',
        headers: {
          authorization: `Bearer ${apiKey}`,
          'content-type': 'application/json',
          accept: stream ? 'text/event-stream' : 'application/json',
        },
        body: JSON.stringify(body),
      };
    },

    parse(json, req) {
      const res = asObject(json, 'body') as Partial<ChatCompletion>;
      const choice = Array.isArray(res.choices) ? res.choices[0] : undefined;
      const content: unknown = choice?.message?.content;
      if (typeof content !== 'string') throw new WireError('no choices[0].message.content');
      return { text: content, model: optString(res.model) ?? req.model, usage: usageOf(res.usage) };
    },

    decoder(req) {
      return new ChatCompletionStream(req);
    },
  };
}

class ChatCompletionStream extends StreamReport implements StreamDecoder {
  #finished = false;
  #sawDone = false;

  get done(): boolean {
    return this.#sawDone || this.#finished;
  }

  event(_name: string, data: string): string | undefined {
    if (data === '[DONE]') {
      this.#sawDone = true;
      return undefined;
    }
    const chunk = asObject(parseJson(data, 'stream chunk'), 'stream chunk') as Chunk;
    if (chunk.error) {
      throw new StreamErrorEvent(optString(chunk.error.message) ?? 'unknown error');
    }
    if (typeof chunk.model === 'string') this.reportedModel = chunk.model;
    const usage = chunk.usage ?? chunk.x_groq?.usage;
    if (usage) this.reportedUsage = usageOf(usage);
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (choice?.finish_reason) this.#finished = true;
    const text: unknown = choice?.delta?.content;
    return typeof text === 'string' ? text : undefined;
  }
}
