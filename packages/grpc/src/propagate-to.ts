import { HoptraceOptionsError } from '@hoptrace/core';
import type { GrpcTarget } from './grpc-target.js';

// A small copy of @hoptrace/fetch's judge (its hostPolicy): packages never load a sibling adapter
// (scripts/check-layers.mjs), and fetch's judges URLs, while a channel has a host and a port.

/**
 * One entry of `propagateTo`, matched against the host of the channel's target (see
 * `parseGrpcTarget`): a hostname or IP address (`inventory.internal`, `10.0.0.7`, `::1`; any
 * port), a host with its port (`inventory.internal:50051`, `[::1]:50051`), a wildcard
 * (`*.svc.cluster.local`: any subdomain, not the domain itself), `*` alone (every host), or a
 * regular expression tested against the host (lower case, IPv6 without brackets). Names are
 * compared as written: `localhost` does not match `127.0.0.1`.
 */
export type GrpcHostPattern = string | RegExp;

/**
 * Which channels carry hoptrace's metadata: one {@link GrpcHostPattern}, a list (any match is
 * enough), or a function asked about each channel's target. Default: every channel.
 */
export type GrpcPropagateTo =
  | GrpcHostPattern
  | readonly GrpcHostPattern[]
  | ((target: GrpcTarget) => boolean);

/** Whether a channel to `target` may carry hoptrace's metadata. */
export type GrpcHostPolicy = (target: GrpcTarget) => boolean;

function refuse(given: unknown, why: string): never {
  throw new HoptraceOptionsError('propagateTo', `entry ${JSON.stringify(String(given))} ${why}`);
}

function normalize(host: string): string {
  let name = host.toLowerCase();
  if (name.startsWith('[') && name.endsWith(']')) name = name.slice(1, -1);
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

function compileEntry(entry: unknown): GrpcHostPolicy {
  if (entry instanceof RegExp) {
    // A global or sticky regex keeps lastIndex between calls: the same host would alternate.
    const regex = new RegExp(entry.source, entry.flags.replace(/[gy]/g, ''));
    return (target) => regex.test(target.host);
  }
  if (typeof entry !== 'string' || entry.trim() === '') {
    throw new HoptraceOptionsError(
      'propagateTo',
      'must hold hostnames, wildcards like "*.svc.cluster.local", regular expressions or be a function',
    );
  }
  const given = entry.trim();
  if (given === '*') return () => true;
  if (given.includes('://')) refuse(given, 'is a URL; give its host: "inventory.internal:50051"');
  if (/[\s/?#@\\]/.test(given)) refuse(given, 'is not a host');
  const wildcard = given.startsWith('*.');
  const rest = wildcard ? given.slice(2) : given;
  if (rest.includes('*')) refuse(given, 'misplaces "*": write "*" alone, or "*." before a domain');
  let host = rest;
  let port: number | undefined;
  const bracket = rest.startsWith('[') ? rest.indexOf(']') : -1;
  if (rest.startsWith('[')) {
    if (bracket === -1) refuse(given, 'opens an IPv6 bracket it does not close');
    host = rest.slice(1, bracket);
    const after = rest.slice(bracket + 1);
    if (after !== '') {
      if (!/^:\d{1,5}$/.test(after)) refuse(given, 'has a bad port');
      port = Number(after.slice(1));
    }
  } else {
    const colon = rest.indexOf(':');
    if (colon !== -1 && !rest.includes(':', colon + 1)) {
      host = rest.slice(0, colon);
      const text = rest.slice(colon + 1);
      if (!/^\d{1,5}$/.test(text)) refuse(given, 'has a bad port');
      port = Number(text);
    }
  }
  if (port !== undefined && (port < 1 || port > 65535)) refuse(given, 'has a bad port');
  const name = normalize(host);
  if (name === '' || (!name.includes(':') && name.split('.').includes(''))) {
    refuse(given, 'has an empty label');
  }
  const suffix = `.${name}`;
  return (target) => {
    const matches = wildcard ? target.host.endsWith(suffix) : target.host === name;
    return matches && (port === undefined || target.port === port);
  };
}

/**
 * Compiles `propagateTo`, validating it now (a bad entry throws `HoptraceOptionsError` naming
 * `propagateTo`); `undefined` for the default, every channel. A function that throws or returns
 * anything but `true` is taken as "no".
 *
 * @example
 * ```ts
 * const allows = grpcHostPolicy(['*.svc.cluster.local', 'localhost:50051']);
 * allows?.({ host: 'inventory.shop.svc.cluster.local', port: 50051 }); // true
 * ```
 */
export function grpcHostPolicy(
  propagateTo: GrpcPropagateTo | undefined,
): GrpcHostPolicy | undefined {
  if (propagateTo === undefined) return undefined;
  if (typeof propagateTo === 'function') {
    return (target) => {
      try {
        return propagateTo(target) === true;
      } catch {
        return false;
      }
    };
  }
  const entries: readonly unknown[] = Array.isArray(propagateTo) ? propagateTo : [propagateTo];
  const policies = entries.map(compileEntry);
  return (target) => policies.some((allows) => allows(target));
}
