import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { answerFor, type Protocol, wires } from './fake-vendors.ts';

export { answerFor, type Protocol } from './fake-vendors.ts';

/** Dispatches a request to its vendor's normal answer or to the scenario its model names. */

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

function pieces(text: string): string[] {
  const third = Math.ceil(text.length / 3);
  return [text.slice(0, third), text.slice(third, 2 * third), text.slice(2 * third)].filter(Boolean);
}

const scenarioOf = (model: string) =>
  model.startsWith('scenario:') ? model.slice('scenario:'.length) : 'ok';

/** `slow` spreads a normal answer over 60 ms; `slow:800` over 800 ms (one pause before each frame). */
const slowMsOf = (scenario: string) => Number(scenario.split(':')[1] ?? 60);

// biome-ignore lint/suspicious/noExplicitAny: request bodies are whatever the client sent
type Body = any;

function sseHead(res: ServerResponse) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
}

export function wireOf(protocol: Protocol) {
  const w = wires[protocol];
  return {
    handle(path: string, headers: IncomingHttpHeaders, body: Body, res: ServerResponse) {
      const p = w.parse(path, headers, body);
      const scenario = scenarioOf(p.model);
      const deltas = pieces(answerFor(p.content));
      const kind = scenario.split(':')[0] ?? '';
      switch (kind) {
        case '400':
        case '401':
        case '429':
        case '500': {
          const e = w.errors[kind](p);
          return reply(res, e.status, e.body, kind === '429' ? { 'retry-after': '7' } : {});
        }
        case 'hang':
          return;
        case 'reset':
          // The request was read; the connection dies before any byte of an answer.
          res.socket?.destroy();
          return;
        case 'slow': {
          const frames = p.stream
            ? [...w.head(p), ...deltas.map((d) => w.delta(p, d)), ...w.tail(p)]
            : [JSON.stringify(w.json(p))];
          const pause = slowMsOf(scenario) / (frames.length + 1);
          res.writeHead(200, { 'content-type': p.stream ? 'text/event-stream' : 'application/json' });
          let i = 0;
          const next = () => {
            if (res.destroyed) return;
            const frame = frames[i++];
            if (frame === undefined) return res.end();
            res.write(frame);
            setTimeout(next, pause);
          };
          setTimeout(next, pause);
          return;
        }
        case 'malformed':
          if (!p.stream) return reply(res, 200, '{"id": "x", "choices": [');
          sseHead(res);
          res.end([...w.head(p), 'data: {not json\n\n'].join(''));
          return;
        case 'cut':
          if (!p.stream) {
            res.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' });
            res.write('{"id": "x", ');
          } else {
            sseHead(res);
            res.write([...w.head(p), w.delta(p, deltas[0] ?? 'x')].join(''));
          }
          setTimeout(() => res.socket?.destroy(), 20);
          return;
        case 'huge': {
          // 17 MiB of JSON whitespace, more than any answer may be: the reader must stop and refuse it.
          res.writeHead(200, { 'content-type': 'application/json' });
          const mib = ' '.repeat(1024 * 1024);
          let sent = 0;
          const more = () => {
            while (!res.destroyed && sent < 17) {
              sent++;
              if (!res.write(mib)) return void res.once('drain', more);
            }
            if (!res.destroyed) res.end('{}');
          };
          more();
          return;
        }
        case 'drip':
          sseHead(res);
          res.write([...w.head(p), w.delta(p, deltas[0] ?? 'x')].join(''));
          return;
        case 'error-event':
          sseHead(res);
          res.end([...w.head(p), w.delta(p, deltas[0] ?? 'x'), w.errorEvent(p)].join(''));
          return;
        default:
          if (!p.stream) return reply(res, 200, w.json(p));
          sseHead(res);
          // One write per frame, so our parser sees events split across network reads.
          for (const frame of [...w.head(p), ...deltas.map((d) => w.delta(p, d)), ...w.tail(p)])
            res.write(frame);
          res.end();
      }
    },
  };
}
