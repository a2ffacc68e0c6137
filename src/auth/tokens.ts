/**
 * Bearer tokens: HS256 JWTs with claims sub, role and (for finance officers) agency.
 * fast-jwt checks the signature, the algorithm (alg "none" and anything but HS256 are refused)
 * and the expiry.
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

export function signToken(secret: string, claims: { sub: string; role: Role; agency?: string }, expiresIn: string = DEFAULT_TOKEN_LIFETIME): string {
  const parsed = parseClaims(claims);
  const sign = createSigner({ key: secret, algorithm: 'HS256', expiresIn: lifetimeMs(expiresIn) });
  return sign({ sub: parsed.sub, role: parsed.role, ...(parsed.agencyId === undefined ? {} : { agency: parsed.agencyId }) });
}

export function createTokenVerifier(secret: string): (token: string) => Actor {
  const verify = createVerifier({ key: secret, algorithms: ['HS256'], requiredClaims: ['sub', 'role', 'exp'], cache: 1000 });
  return (token) => {
    let payload: unknown;
    try {
      payload = verify(token);
    } catch (error) {
      throw new InvalidTokenError((error as Error).message);
    }
    return parseClaims(payload);
  };
}

function parseClaims(payload: unknown): Actor & { role: Role } {
  const result = Claims.safeParse(payload);
  if (!result.success) throw new InvalidTokenError(`token claims are invalid: ${result.error.issues.map((i) => i.path.join('.') + ' ' + i.message).join('; ')}`);
  const { sub, role, agency } = result.data;
  if (role === 'finance-officer' && agency === undefined) throw new InvalidTokenError('a finance-officer token must name its agency');
  return { sub, role, ...(agency === undefined ? {} : { agencyId: agency }) };
}

/** A token outliving this is a standing credential, not a session: mint a new one instead. */
export const MAX_TOKEN_LIFETIME_MS = 30 * 86_400_000;

/** "8h", "30m", "7d", "45s" or a number of seconds; more than zero, at most 30 days. */
export function lifetimeMs(text: string): number {
  const match = /^(\d{1,9})([smhd]?)$/.exec(text.trim());
  if (match === null) throw new Error(`token lifetime must look like 30m, 8h or 7d, got ${JSON.stringify(text)}`);
  const unitMs = { '': 1_000, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  const ms = Number(match[1]) * unitMs;
  if (ms <= 0 || ms > MAX_TOKEN_LIFETIME_MS) throw new Error(`token lifetime must be more than 0 and at most 30d, got ${JSON.stringify(text)}`);
  return ms;
}
