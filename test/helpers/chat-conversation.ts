import type { ConverseRequest, ToolDef } from '../../src/providers/chat-types.ts';

/** One multi-turn conversation with a parallel tool round, translated by every provider test. */

export const weatherTool: ToolDef = {
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

export const timeTool: ToolDef = { name: 'get_time' };

export function conversation(model: string, marker: string): ConverseRequest {
  return {
    model,
    messages: [
      { role: 'system', content: 'You are Ada.' },
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: `Hello ${marker}` },
      { role: 'assistant', content: 'Hi! How can I help?' },
      { role: 'user', content: 'Weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: '',
        toolCalls: [
          { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
          { id: 'call_2', name: 'get_weather', arguments: '{"city":"Rome"}' },
        ],
      },
      { role: 'tool', toolCallId: 'call_1', content: '{"temp":21}' },
      { role: 'tool', toolCallId: 'call_2', content: 'sunny, 25C' },
      { role: 'user', content: 'Thanks! And Berlin?' },
    ],
    tools: [weatherTool, timeTool],
    toolChoice: 'auto',
    temperature: 0.3,
    topP: 0.9,
    maxTokens: 256,
    stop: ['END'],
    user: 'user-7',
  };
}

/** A one-turn request with nothing optional, for the error and stream-failure tests. */
export function simple(model: string, marker: string): ConverseRequest {
  return { model, messages: [{ role: 'user', content: `Say hi ${marker}` }] };
}
