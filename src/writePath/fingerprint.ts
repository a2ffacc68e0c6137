import { createHash } from 'node:crypto';
import canonicalizeModule from 'canonicalize';

// canonicalize 2.x (the line that supports Node 20) is CommonJS whose typings declare an ES
// default export; at run time the default import is the function itself.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

/**
 * SHA-256 over the RFC 8785 canonical JSON of a command as the client sent it (name, route
 * parameters and body) and of who sent it. Two requests with one idempotency key are "the
 * same" exactly when their fingerprints match, however their JSON was spaced or ordered. The
 * sender is part of it so that a key never lets somebody else replay — and so read — another
 * person's answer.
 */
export function commandFingerprint(
  command: string,
  params: unknown,
  body: unknown,
  actor: unknown,
): string {
  const canonical = canonicalize({ command, params, body, actor });
  if (canonical === undefined) throw new Error('invariant: command is not JSON');
  return createHash('sha256').update(canonical).digest('hex');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
