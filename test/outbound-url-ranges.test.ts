import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipv6Words, isPrivateAddress, resolveOutboundUrl } from '../src/net/outbound-url.ts';

/**
 * The outbound guard against the IANA special-purpose registries (IPv4 and IPv6): one row per range, an
 * address inside it, and whether a request-supplied URL may reach it. Public neighbours keep the table
 * honest in the other direction.
 */
const table: [string, boolean, string][] = [
  // IPv4
  ['0.0.0.0', true, 'this network'],
  ['10.1.2.3', true, 'private'],
  ['100.64.0.1', true, 'CGNAT'],
  ['127.0.0.1', true, 'loopback'],
  ['169.254.169.254', true, 'link-local / metadata'],
  ['172.16.0.1', true, 'private'],
  ['192.0.0.170', true, 'IETF protocol assignments (NAT64 discovery)'],
  ['192.0.2.1', false, 'TEST-NET-1: routed nowhere, public stand-in'],
  ['192.88.99.1', true, '6to4 relay anycast'],
  ['192.168.1.1', true, 'private'],
  ['198.18.0.1', true, 'benchmarking'],
  ['198.19.255.255', true, 'benchmarking'],
  ['198.51.100.7', false, 'TEST-NET-2'],
  ['203.0.113.9', false, 'TEST-NET-3'],
  ['224.0.0.1', true, 'multicast'],
  ['239.255.255.250', true, 'multicast'],
  ['240.0.0.1', true, 'reserved'],
  ['255.255.255.255', true, 'broadcast'],
  ['8.8.8.8', false, 'public'],
  ['1.1.1.1', false, 'public'],
  ['198.20.0.1', false, 'public, just past benchmarking'],
  ['100.128.0.1', false, 'public, just past CGNAT'],
  // IPv6
  ['::', true, 'unspecified'],
  ['::1', true, 'loopback'],
  ['::127.0.0.1', true, 'IPv4-compatible'],
  ['::ffff:127.0.0.1', true, 'IPv4-mapped loopback'],
  ['::ffff:7f00:1', true, 'IPv4-mapped loopback, hex'],
  ['::ffff:10.0.0.1', true, 'IPv4-mapped private'],
  ['::ffff:0:10.0.0.1', true, 'IPv4-translated (SIIT)'],
  ['64:ff9b::10.0.0.1', true, 'NAT64 with a private IPv4'],
  ['64:ff9b::a9fe:a9fe', true, 'NAT64 with the metadata address'],
  ['64:ff9b::7f00:1', true, 'NAT64 with loopback'],
  ['64:ff9b:1::1', true, 'local-use NAT64'],
  ['64:ff9b:1:ffff::8.8.8.8', true, 'local-use NAT64, public-looking suffix'],
  ['100::1', true, 'discard-only'],
  ['100:0:0:1::1', true, 'dummy prefix'],
  ['2001::1', true, 'Teredo'],
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', true, 'Teredo'],
  ['2001:2::1', true, 'benchmarking'],
  ['2001:10::1', true, 'ORCHID'],
  ['2001:20::1', true, 'ORCHIDv2'],
  ['2001:db8::1', false, 'documentation: routed nowhere'],
  ['2002:7f00:1::1', true, '6to4 of loopback'],
  ['2002:a00:1::1', true, '6to4 of 10.0.0.1'],
  ['2002:808:808::1', true, '6to4 (any: relays reach any IPv4)'],
  ['3fff::1', false, 'documentation'],
  ['5f00::1', true, 'SRv6 SIDs'],
  ['fc00::1', true, 'unique local'],
  ['fd12:3456::1', true, 'unique local'],
  ['fe80::1', true, 'link-local'],
  ['fe80::1%eth0', true, 'link-local with zone'],
  ['fec0::1', true, 'site-local'],
  ['ff02::1', true, 'multicast'],
  ['2606:4700:4700::1111', false, 'public'],
  ['2001:4860:4860::8888', false, 'public, just past 2001::/23'],
  ['64:ff9b::808:808', false, 'NAT64 of a public IPv4 (IPv6-only networks)'],
  ['64:ff9b::8.8.8.8', false, 'NAT64 of a public IPv4, dotted'],
  ['::ffff:8.8.8.8', false, 'IPv4-mapped public'],
];

test('every special-purpose range that can reach internal space is refused; public addresses pass', () => {
  const wrong = table.filter(([address, blocked]) => isPrivateAddress(address) !== blocked);
  assert.deepEqual(
    wrong.map(([a, b, why]) => `${a} (${why}) should be ${b ? 'blocked' : 'allowed'}`),
    [],
  );
});

test('URL literals in those ranges are a 400 naming the field; NAT64 of a public address is accepted', async () => {
  const noDns = async () => {
    throw new Error('no DNS in this test');
  };
  for (const host of [
    '[2002:a00:1::1]',
    '[64:ff9b:1::a00:1]',
    '[2001::1]',
    '[64:ff9b::a00:1]',
    '198.18.0.1',
  ]) {
    await assert.rejects(resolveOutboundUrl(`http://${host}/v1`, [], 'base_url', noDns), (err: Error) => {
      assert.match(err.message, /^base_url: host .* private or reserved/);
      return true;
    });
  }
  const ok = await resolveOutboundUrl('http://[64:ff9b::808:808]/v1', [], 'base_url', noDns);
  assert.equal(ok.address, '64:ff9b::808:808');
  // The operator's allow list still opens a blocked range.
  const allowed = await resolveOutboundUrl('http://[2002:a00:1::1]/', ['2002::/16'], 'base_url', noDns);
  assert.equal(allowed.family, 6);
});

test('ipv6Words expands every spelling to eight words', () => {
  assert.deepEqual(ipv6Words('::'), [0, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(ipv6Words('1::'), [1, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(ipv6Words('::ffff:1.2.3.4'), [0, 0, 0, 0, 0, 0xffff, 0x102, 0x304]);
  assert.deepEqual(ipv6Words('1:2:3:4:5:6:7:8'), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(ipv6Words('fe80::1%eth0'), [0xfe80, 0, 0, 0, 0, 0, 0, 1]);
});
