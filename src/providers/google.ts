import type { Content, GenerateContentResponse, GenerationConfig } from '@google/genai';
import type { Completion, Usage } from './types.ts';
import {
  asObject,
  count,
  noUsage,
  optObject,
  optString,
  parseJson,
  type StreamDecoder,
  StreamErrorEvent,
  StreamReport,
  WireError,
  type WireFormat,
} from './wire.ts';

/**
 * Gemini API (v1beta models/{model}:generateContent and :streamGenerateContent?alt=sse), key in the
 * x-goog-api-key header (never in the URL, where it would reach access logs), the system prompt as
 * systemInstruction. Shapes are checked against @google/genai's types (type-only import).
 */
type GenerateRequestWire = {
  systemInstruction: Content;
  contents: Content[];
  generationConfig?: Pick<GenerationConfig, 'temperature' | 'maxOutputTokens'>;
};
type GenerateResponseWire = Partial<
  Pick<GenerateContentResponse, 'candidates' | 'usageMetadata' | 'modelVersion' | 'promptFeedback'>
> & { error?: { message?: unknown } };

const modelsPrefix = /^models\//;

function textOf(res: GenerateResponseWire): string {
  let text = '';
  const parts = res.candidates?.[0]?.content?.parts;
  // Thought summaries (thought: true) are not part of the answer.
  if (Array.isArray(parts))
    for (const p of parts) if (!p.thought && typeof p.text === 'string') text += p.text;
  return text;
}

function usageOf(res: GenerateResponseWire): Usage | undefined {
  const u = res.usageMetadata;
  if (!u) return undefined;
  return { inputTokens: count(u.promptTokenCount), outputTokens: count(u.candidatesTokenCount) };
}

export const googleWire: WireFormat = {
  request(req, stream, apiKey) {
    const body: GenerateRequestWire = {
      systemInstruction: { parts: [{ text: req.system }] },
      contents: [{ role: 'user', parts: [{ text: req.content }] }],
    };
    if (req.temperature !== undefined || req.maxTokens !== undefined) {
      body.generationConfig = {};
      if (req.temperature !== undefined) body.generationConfig.temperature = req.temperature;
      if (req.maxTokens !== undefined) body.generationConfig.maxOutputTokens = req.maxTokens;
    }
    const model = encodeURIComponent(req.model.replace(modelsPrefix, ''));
    return {
      path: `/v1beta/models/${model}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`,
      headers: {
        'x-goog-api-key': apiKey,
        'content-type': 'application/json',
        accept: stream ? 'text/event-stream' : 'application/json',
      },
      body: JSON.stringify(body),
    };
  },

  parse(json, req): Completion {
    const res = asObject(json, 'body') as GenerateResponseWire;
    if (!Array.isArray(res.candidates) || res.candidates.length === 0) {
      const blocked = res.promptFeedback?.blockReason;
      throw new WireError(blocked ? `no candidates: prompt blocked (${blocked})` : 'no candidates');
    }
    return {
      text: textOf(res),
      model: optString(res.modelVersion) ?? req.model,
      usage: usageOf(res) ?? noUsage(),
    };
  },

  decoder(req) {
    return new GeminiStream(req);
  },

  // Gemini answers a bad key with 400 INVALID_ARGUMENT and reason API_KEY_INVALID.
  keyRejected(status, text) {
    if (status !== 400) return false;
    try {
      const err = optObject(optObject(JSON.parse(text))?.error);
      const details = err?.details;
      return Array.isArray(details) && details.some((d) => optObject(d)?.reason === 'API_KEY_INVALID');
    } catch {
      return false;
    }
  },
};

class GeminiStream extends StreamReport implements StreamDecoder {
  done = false;

  event(_name: string, data: string): string | undefined {
    const res = asObject(parseJson(data, 'stream event'), 'stream event') as GenerateResponseWire;
    if (res.error) throw new StreamErrorEvent(optString(res.error.message) ?? 'unknown error');
    if (typeof res.modelVersion === 'string') this.reportedModel = res.modelVersion;
    this.reportedUsage = usageOf(res) ?? this.reportedUsage;
    if (res.candidates?.[0]?.finishReason) this.done = true;
    const text = textOf(res);
    return text || undefined;
  }
}
