import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.ts';
import { AppError } from '../src/core/errors.ts';
import { isPrivateAddress, type Lookup, resolveOutboundUrl } from '../src/net/outbound-url.ts';
import { SseParser } from '../src/providers/sse.ts';
import { pinnedTarget } from '../src/providers/transport.ts';
import { type Fake, startFake } from './helpers/fake-upstreams.ts';

const lookupTo =
  (...addresses: string[]): Lookup =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

async function refused(p: Promise<unknown>, message: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof AppError);
    assert.equal(err.status, 400);
    assert.equal(err.field, 'baseUrl');
    assert.match(err.message, message);
    return true;
  });
}

describe('outbound URL guard', () => {
  test('private, loopback, link-local, CGNAT, ULA, mapped and unspecified addresses are private', () => {
    for (const ip of [
      '127.0.0.1',
      '127.255.0.9',
      '10.0.0.1',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '100.127.255.255',
      '0.0.0.0',
      '255.255.255.255',
      '::1',
      '::',
      'fc00::1',
      'fd12:3456::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:10.0.0.1',
      '::ffff:169.254.169.254',
      'not-an-ip',
    ]) {
      assert.equal(isPrivateAddress(ip), true, ip);
    }
    for (const ip of [
      '8.8.8.8',
      '1.1.1.1',
      '172.32.0.1',
      '100.128.0.1',
      '2606:4700::1111',
      '::ffff:8.8.8.8',
    ]) {
      assert.equal(isPrivateAddress(ip), false, ip);
    }
  });

  test('a host is refused when any of its addresses is private', async () => {
    await refused(
      resolveOutboundUrl('https://api.example.com/v1', [], 'baseUrl', lookupTo('93.184.216.34', '10.0.0.5')),
      /^baseUrl: host api\.example\.com resolves to a private or reserved address \(10\.0\.0\.5\)/,
    );
    const ok = await resolveOutboundUrl(
      'https://api.example.com/v1',
      [],
      'baseUrl',
      lookupTo('93.184.216.34'),
    );
    assert.equal(ok.address, '93.184.216.34');
    assert.equal(ok.host, 'api.example.com');
  });

  test('allow list: host names, single addresses and CIDRs', async () => {
    const internal = lookupTo('10.1.2.3');
    await refused(resolveOutboundUrl('http://llm.internal/v1', [], 'baseUrl', internal), /private/);
    const byName = await resolveOutboundUrl('http://LLM.internal/v1', ['llm.internal'], 'baseUrl', internal);
    assert.equal(byName.address, '10.1.2.3');
    await resolveOutboundUrl('http://llm.internal/v1', ['10.0.0.0/8'], 'baseUrl', internal);
    await resolveOutboundUrl('http://llm.internal/v1', ['10.1.2.3'], 'baseUrl', internal);
    await refused(
      resolveOutboundUrl('http://llm.internal/v1', ['10.1.2.4', '192.168.0.0/16'], 'baseUrl', internal),
      /private/,
    );
    await resolveOutboundUrl('http://[fd00::7]/v1', ['fd00::/8'], 'baseUrl');
    await assert.rejects(resolveOutboundUrl('http://x/', ['10.0.0.0/33'], 'baseUrl'), /bad CIDR/);
    // The operator hears about a bad entry at start, not at the first request.
    assert.throws(
      () => loadConfig({ PERSONAKIT_ALLOWED_HOSTS: 'llm.internal, 10.0.0.0/33' }),
      (err: Error) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /^invalid PERSONAKIT_ALLOWED_HOSTS: /);
        return true;
      },
    );
    assert.deepEqual(
      loadConfig({ PERSONAKIT_ALLOWED_HOSTS: ' a.internal ,10.0.0.0/8,fd00::/8' }).PERSONAKIT_ALLOWED_HOSTS,
      ['a.internal', '10.0.0.0/8', 'fd00::/8'],
    );
  });

  test('a host that does not resolve is refused', async () => {
    const none: Lookup = async () => {
      throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    await refused(resolveOutboundUrl('https://nowhere.invalid/', [], 'baseUrl', none), /does not resolve/);
  });
});

describe('pinned connections (DNS rebinding)', () => {
  let fake: Fake;
  before(async () => {
    fake = await startFake('openai');
  });
  after(() => fake.close());

  test('requests go to the validated address, with the URL’s host name in Host', async () => {
    // "rebind.test" does not exist in DNS: a request can only arrive if the pinned address is used.
    const port = new URL(fake.origin).port;
    const resolved = await resolveOutboundUrl(
      `http://rebind.test:${port}/v1`,
      ['127.0.0.1'],
      'baseUrl',
      lookupTo('127.0.0.1'),
    );
    const target = pinnedTarget(resolved);
    const res = await target.pool.request({
      method: 'POST',
      path: `${target.prefix}/chat/completions`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'pinned' }] }),
    });
    assert.equal(res.statusCode, 200);
    await res.body.text();
    const seen = fake.find('pinned');
    assert.equal(seen.headers.host, `rebind.test:${port}`);
    assert.equal(seen.path, '/v1/chat/completions');
    // The same origin and address reuse one pool.
    assert.equal(pinnedTarget(resolved).pool, target.pool);
  });
});

describe('SSE parser', () => {
  test('events split anywhere across chunks, LF or CRLF, comments, multi-line data', () => {
    const stream =
      ': keep-alive\n\nevent: a\ndata: {"x":1}\n\ndata: line1\ndata: line2\r\n\r\nevent: b\r\ndata:no-space\r\n\r\n' +
      'data: [DONE]\n\ndata: cut-off';
    const expected = [
      ['a', '{"x":1}'],
      ['message', 'line1\nline2'],
      ['b', 'no-space'],
      ['message', '[DONE]'],
    ];
    for (let size = 1; size <= stream.length; size += 3) {
      const seen: string[][] = [];
      const parser = new SseParser((event, data) => seen.push([event, data]));
      for (let i = 0; i < stream.length; i += size) parser.push(stream.slice(i, i + size));
      assert.deepEqual(seen, expected, `chunk size ${size}`);
    }
  });
});
