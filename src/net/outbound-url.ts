import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { AppError } from '../core/errors.ts';

/**
 * Guards requests to URLs that come from a caller (a custom LLM base URL, a document URL): private,
 * loopback, link-local and other non-public targets are refused unless the operator allow-lists them
 * (PERSONAKIT_ALLOWED_HOSTS). The caller then connects to the exact address validated here, so a DNS
 * answer that changes between check and connect (rebinding) cannot redirect the request.
 */

/**
 * Never reachable from a request-supplied URL unless allow-listed: every range of the IANA IPv4 and IPv6
 * Special-Purpose Address Registries that is not globally reachable or can lead into internal space
 * (through a relay or translator), plus multicast. Built once. The documentation ranges (192.0.2.0/24,
 * 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32, 3fff::/20) stay open: they are routed nowhere, so they
 * lead to no internal host, and examples and tests use them as stand-ins for public addresses.
 */
const blocked4 = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network", incl. 0.0.0.0
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, incl. cloud metadata 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments (DS-Lite, NAT64 discovery, ...)
  ['192.88.99.0', 24], // 6to4 relay anycast (deprecated): a relay into IPv6 space
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, incl. broadcast 255.255.255.255
] as const) {
  blocked4.addSubnet(net, prefix, 'ipv4');
}
const blocked6 = new BlockList();
for (const [net, prefix] of [
  // Reserved by the IETF: ::, ::1, IPv4-compatible ::/96, SIIT ::ffff:0:0:0/96, and 64:ff9b:1::/48
  // (local-use NAT64, which translates into whatever the operator's network holds). IPv4-mapped
  // ::ffff:0:0/96 and well-known NAT64 64:ff9b::/96 are judged by their IPv4 address (see below).
  ['::', 8],
  ['100::', 64], // discard-only
  ['100:0:0:1::', 64], // dummy prefix
  ['2001::', 23], // IETF protocol assignments, incl. Teredo 2001::/32 (tunnels to any IPv4) and benchmarking
  ['2002::', 16], // 6to4: embeds any IPv4 address, private ones included
  ['5f00::', 16], // SRv6 segment identifiers
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  blocked6.addSubnet(net, prefix, 'ipv6');
}

export type Family = 4 | 6;

const brackets = /^\[|\]$/g;

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 4) return blocked4.check(address, 'ipv4');
  const words = ipv6Words(address);
  if (!words) return true;
  const embedded = embeddedIpv4(words);
  if (embedded !== undefined) return blocked4.check(embedded, 'ipv4');
  return blocked6.check(address.split('%')[0] ?? address, 'ipv6');
}

/**
 * The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d) or well-known NAT64 (64:ff9b::a.b.c.d)
 * address: both reach exactly that IPv4 host, so they are as private as it is.
 */
function embeddedIpv4(w: readonly number[]): string | undefined {
  const zeros = (from: number, to: number) => w.slice(from, to).every((x) => x === 0);
  const mapped = zeros(0, 5) && w[5] === 0xffff;
  const nat64 = w[0] === 0x64 && w[1] === 0xff9b && zeros(2, 6);
  if (!mapped && !nat64) return undefined;
  const hi = w[6] ?? 0;
  const lo = w[7] ?? 0;
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
}

/** The eight 16-bit words of an IPv6 address that isIP() accepted (zone id dropped). */
export function ipv6Words(address: string): number[] | undefined {
  let text = (address.split('%')[0] ?? '').toLowerCase();
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const octets = tail.split('.').map(Number);
    if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) return undefined;
    const [a = 0, b = 0, c = 0, d = 0] = octets;
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string | undefined) =>
    part ? part.split(':').map((h) => Number.parseInt(h, 16)) : [];
  const head = parse(halves[0]);
  const rest = parse(halves[1]);
  const fill = halves.length === 2 ? 8 - head.length - rest.length : 0;
  const words = [...head, ...new Array<number>(Math.max(0, fill)).fill(0), ...rest];
  if (words.length !== 8 || words.some((x) => !Number.isInteger(x) || x < 0 || x > 0xffff)) return undefined;
  return words;
}

/** PERSONAKIT_ALLOWED_HOSTS compiled: exact host names plus IPs/CIDRs. */
export interface AllowList {
  hosts: ReadonlySet<string>;
  addresses: BlockList;
}

const compiled = new WeakMap<readonly string[], AllowList>();

/** Compiles the allow list once per config array; invalid entries fail loudly at first use. */
export function allowListOf(entries: readonly string[]): AllowList {
  let list = compiled.get(entries);
  if (list) return list;
  const hosts = new Set<string>();
  const addresses = new BlockList();
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase().replace(brackets, '');
    const [ip, bits] = entry.split('/');
    const family = isIP(ip ?? '');
    if (ip && family !== 0) {
      const type = family === 4 ? 'ipv4' : 'ipv6';
      const max = family === 4 ? 32 : 128;
      const prefix = bits === undefined ? max : Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) {
        throw new Error(`PERSONAKIT_ALLOWED_HOSTS: bad CIDR "${raw}"`);
      }
      addresses.addSubnet(ip, prefix, type);
    } else if (entry) {
      hosts.add(entry);
    }
  }
  list = { hosts, addresses };
  compiled.set(entries, list);
  return list;
}

function allowedAddress(list: AllowList, address: string, family: Family): boolean {
  return list.addresses.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** A validated outbound URL and the one address to connect to. */
export interface ResolvedUrl {
  url: URL;
  /** Host name without IPv6 brackets, for Host and TLS servername. */
  host: string;
  address: string;
  family: Family;
}

export type Lookup = (host: string) => Promise<LookupAddress[]>;

const systemLookup: Lookup = (host) =>
  new Promise((resolve, reject) => {
    dnsLookup(host, { all: true, verbatim: true }, (err, addresses) =>
      err ? reject(err) : resolve(addresses),
    );
  });

/**
 * Parses and validates a request-supplied URL. Refused (400 naming `field`): not http(s), credentials in
 * the URL, a host that does not resolve, or any resolved address that is not public, unless the host
 * name or the address is allow-listed.
 */
export async function resolveOutboundUrl(
  raw: string,
  allowed: readonly string[] | AllowList,
  field: string,
  lookup: Lookup = systemLookup,
): Promise<ResolvedUrl> {
  const refuse = (why: string) => new AppError('invalid', `${field}: ${why}`, { field });
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse('is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refuse('must be an http or https URL');
  if (url.username || url.password) throw refuse('must not contain credentials');
  const host = url.hostname.replace(brackets, '').toLowerCase();
  const list = 'hosts' in allowed ? allowed : allowListOf(allowed);

  let addresses: LookupAddress[];
  const literal = isIP(host);
  if (literal !== 0) {
    addresses = [{ address: host, family: literal }];
  } else {
    try {
      addresses = await lookup(host);
    } catch {
      throw refuse(`host ${host} does not resolve`);
    }
    if (addresses.length === 0) throw refuse(`host ${host} does not resolve`);
  }

  const hostAllowed = list.hosts.has(host);
  for (const a of addresses) {
    const family: Family = a.family === 6 ? 6 : 4;
    if (!hostAllowed && isPrivateAddress(a.address) && !allowedAddress(list, a.address, family)) {
      throw refuse(
        `host ${host} resolves to a private or reserved address (${a.address}); ` +
          'the operator can allow it with PERSONAKIT_ALLOWED_HOSTS',
      );
    }
  }
  const first = addresses[0] as LookupAddress;
  return { url, host, address: first.address, family: first.family === 6 ? 6 : 4 };
}

/**
 * A `lookup` for net/tls connect options (undici: `connect: { lookup }`) that always answers the
 * validated address: the connection goes where the check looked, whatever DNS says later, while Host
 * and the TLS servername keep the URL's host name.
 */
export function pinnedLookup(resolved: Pick<ResolvedUrl, 'address' | 'family'>): LookupFunction {
  const { address, family } = resolved;
  return (_host, options, callback) => {
    // Node asks for every address when happy-eyeballs (autoSelectFamily) is on.
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}
