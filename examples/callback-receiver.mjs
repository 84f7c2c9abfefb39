// A conversation callback receiver for trying personakit locally: prints every callback it gets
// (system.replica_joined, system.shutdown, application.transcription_ready with the transcript).
// Run: node examples/callback-receiver.mjs [port]   (default 4000; Ctrl-C to stop)
// The server must be allowed to call this machine: PERSONAKIT_ALLOWED_HOSTS=127.0.0.1.
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 4000);
createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (d) => {
    body += d;
  });
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success"}');
    let e;
    try {
      e = JSON.parse(body);
    } catch {
      return console.log('not JSON:', body.slice(0, 200));
    }
    console.log(`${e.event_type} (${e.conversation_id})`, e.properties?.shutdown_reason ?? '');
    for (const t of e.properties?.transcript ?? []) console.log(`  ${t.role}: ${t.content}`);
  });
}).listen(port, '127.0.0.1', () => console.log(`callbacks: http://127.0.0.1:${port}/callbacks`));
