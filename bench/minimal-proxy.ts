import { createServer } from 'node:http';
import { Pool } from 'undici';

/**
 * The practical limit for a Node gateway: read the body, forward it on a keep-alive undici Pool, send
 * the upstream's answer back. No routing, validation, auth or logging. UPSTREAM is the mock's origin.
 */
const upstream = new Pool(process.env.UPSTREAM ?? 'http://127.0.0.1:1', { connections: 128, pipelining: 1 });

const server = createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (d: Buffer) => parts.push(d));
  req.on('end', async () => {
    try {
      const r = await upstream.request({
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { 'content-type': 'application/json', authorization: req.headers.authorization ?? '' },
        body: Buffer.concat(parts),
      });
      res.writeHead(r.statusCode, {
        'content-type': String(r.headers['content-type'] ?? 'application/json'),
      });
      for await (const chunk of r.body) res.write(chunk);
      res.end();
    } catch {
      res.writeHead(502).end();
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') console.log(JSON.stringify({ port: address.port }));
});
