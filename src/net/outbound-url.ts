import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { AppError } from '../core/errors.ts';

/**
 * Guards requests to URLs that come from a caller (a custom LLM base URL, a document URL): private,
 * loopback, link-local and other non-public targets are refused unless the operator allow-lists them
 * (PERSONAKIT_ALLOWED_HOSTS). The caller then connects to the exact address validated here, so a DNS
 * answer that changes between check and connect (rebinding) cannot redirect the request.
 */

/** Never reachable from a request-supplied URL unless allow-listed. Built once. */
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network", incl. 0.0.0.0
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, incl. cloud metadata 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, incl. broadcast
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['::', 96], // IPv4-compatible (deprecated) addresses
  ['64:ff9b::', 96], // NAT64 may reach private IPv4 space
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}
// IPv4-mapped IPv6 (::ffff:127.0.0.1) is checked against the IPv4 rules by BlockList itself.

export type Family = 4 | 6;

const brackets = /^\[|\]$/g;

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
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
  allowed: readonly string[],
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
  const list = allowListOf(allowed);

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
