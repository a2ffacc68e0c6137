/**
 * Bearer tokens: HS256 JWTs with claims sub, role and (for finance officers) agency.
 * fast-jwt checks the signature, the algorithm (alg "none" and anything but HS256 are refused)
 * and the expiry; the lifetime rules minting obeys are checked again at verification, because
 * anyone holding the secret (a script, an old CLI) can sign a token that never went through
 * `signToken`: a token must say when it was issued, not claim to be issued in the future, and
 * not live longer than MAX_TOKEN_LIFETIME_MS.
 */
import { createSigner, createVerifier } from 'fast-jwt';
import { z } from 'zod';
import { AgencyId, text } from '../../events/primitives.ts';
import type { Actor } from '../../events/index.ts';

export const ROLES = ['admin', 'finance-officer', 'auditor', 'reporter'] as const;
export type Role = (typeof ROLES)[number];
export const DEFAULT_TOKEN_LIFETIME = '8h';
const MAX_SUB_CHARS = 200;

const Claims = z.object({
  // The subject is written into every event's actor and the audit summaries.
  sub: text(MAX_SUB_CHARS),
  role: z.enum(ROLES),
  agency: AgencyId.optional(),
});

export class InvalidTokenError extends Error {}

export function signToken(
  secret: string,
  claims: { sub: string; role: Role; agency?: string },
  expiresIn: string = DEFAULT_TOKEN_LIFETIME,
): string {
  const parsed = parseClaims(claims);
  const sign = createSigner({ key: secret, algorithm: 'HS256', expiresIn: lifetimeMs(expiresIn) });
  return sign({
    sub: parsed.sub,
    role: parsed.role,
    ...(parsed.agencyId === undefined ? {} : { agency: parsed.agencyId }),
  });
}

/**
 * How far in the future a token's `iat` may be: the clock of the machine that minted it (the
 * CLI on a laptop) may run a little ahead of the server's. Expiry gets no such allowance.
 */
export const TOKEN_CLOCK_SKEW_MS = 60_000;

export function createTokenVerifier(
  secret: string,
  now: () => number = Date.now,
): (token: string) => Actor {
  const verify = createVerifier({
    key: secret,
    algorithms: ['HS256'],
    requiredClaims: ['sub', 'role', 'exp', 'iat'],
    // fast-jwt refuses a token whose iat is older than this; the future and the span are checked below.
    maxAge: MAX_TOKEN_LIFETIME_MS,
    cache: 1000,
  });
  return (token) => {
    let payload: unknown;
    try {
      payload = verify(token);
    } catch (error) {
      throw new InvalidTokenError((error as Error).message);
    }
    checkLifetime(payload as { iat?: unknown; exp?: unknown }, now());
    return parseClaims(payload);
  };
}

/** Runs on every verification, cached or not: the cache remembers a signature, not the time. */
function checkLifetime({ iat, exp }: { iat?: unknown; exp?: unknown }, nowMs: number): void {
  if (
    typeof iat !== 'number' ||
    !Number.isFinite(iat) ||
    typeof exp !== 'number' ||
    !Number.isFinite(exp)
  ) {
    throw new InvalidTokenError('the token must carry numeric iat and exp claims');
  }
  if (iat * 1000 > nowMs + TOKEN_CLOCK_SKEW_MS)
    throw new InvalidTokenError('the token claims to be issued in the future');
  if (exp <= iat) throw new InvalidTokenError('the token expires before it was issued');
  if ((exp - iat) * 1000 > MAX_TOKEN_LIFETIME_MS)
    throw new InvalidTokenError('the token lives longer than the maximum token lifetime');
  if (exp * 1000 <= nowMs) throw new InvalidTokenError('the token has expired');
}

function parseClaims(payload: unknown): Actor & { role: Role } {
  const result = Claims.safeParse(payload);
  if (!result.success)
    throw new InvalidTokenError(
      `token claims are invalid: ${result.error.issues.map((i) => i.path.join('.') + ' ' + i.message).join('; ')}`,
    );
  const { sub, role, agency } = result.data;
  if (role === 'finance-officer' && agency === undefined)
    throw new InvalidTokenError('a finance-officer token must name its agency');
  return { sub, role, ...(agency === undefined ? {} : { agencyId: agency }) };
}

/** A token outliving this is a standing credential, not a session: mint a new one instead. */
export const MAX_TOKEN_LIFETIME_MS = 30 * 86_400_000;

/** "8h", "30m", "7d", "45s" or a number of seconds; more than zero, at most 30 days. */
export function lifetimeMs(text: string): number {
  const match = /^(\d{1,9})([smhd]?)$/.exec(text.trim());
  if (match === null)
    throw new Error(`token lifetime must look like 30m, 8h or 7d, got ${JSON.stringify(text)}`);
  const unitMs = { '': 1_000, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[
    match[2] as '' | 's' | 'm' | 'h' | 'd'
  ];
  const ms = Number(match[1]) * unitMs;
  if (ms <= 0 || ms > MAX_TOKEN_LIFETIME_MS)
    throw new Error(
      `token lifetime must be more than 0 and at most 30d, got ${JSON.stringify(text)}`,
    );
  return ms;
}
