import { createServer } from 'node:http';

/**
 * A mock OpenAI chat-completions server for the benchmark: JSON, or SSE when the request says
 * `"stream": true`. MOCK_DELAY_MS delays the answer; MOCK_CHUNKS and MOCK_CHUNK_DELAY_MS shape streams.
 * Prints its port on stdout.
 */
const delay = Number(process.env.MOCK_DELAY_MS ?? 0);
const chunks = Number(process.env.MOCK_CHUNKS ?? 50);
const chunkDelay = Number(process.env.MOCK_CHUNK_DELAY_MS ?? 0);

const text = 'Sure, here is the answer you asked for, in a friendly voice.';
const json = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 42, completion_tokens: 12, total_tokens: 54 },
});
const chunk = (i: number) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, delta: { content: `w${i} ` }, finish_reason: null }],
  })}\n\n`;
const last = `data: ${JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion.chunk',
  created: 1_700_000_000,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
  usage: { prompt_tokens: 42, completion_tokens: 50, total_tokens: 92 },
})}\n\ndata: [DONE]\n\n`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const server = createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (d: Buffer) => parts.push(d));
  req.on('end', async () => {
    const body = Buffer.concat(parts).toString();
    if (delay) await sleep(delay);
    if (body.includes('"stream":true')) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (let i = 0; i < chunks; i++) {
        if (res.destroyed) return;
        res.write(chunk(i));
        if (chunkDelay) await sleep(chunkDelay);
      }
      res.end(last);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
    res.end(json);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') console.log(JSON.stringify({ port: address.port }));
});
