/**
 * Reads a token's claims for display only (who is signed in, as what, until when). The
 * signature is not and cannot be checked here: the API checks it on every call.
 */
export interface TokenClaims {
  readonly sub: string;
  readonly role: string;
  readonly agency?: string;
  /** Seconds since the epoch. */
  readonly exp?: number;
}

const ROLES = ['admin', 'finance-officer', 'auditor', 'reporter'];

export function decodeToken(token: string): TokenClaims | null {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || parts[1] === undefined) return null;
  try {
    const base64 = parts[1].replaceAll('-', '+').replaceAll('_', '/');
    const json = new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
    const claims = JSON.parse(json) as Record<string, unknown>;
    if (
      typeof claims.sub !== 'string' ||
      typeof claims.role !== 'string' ||
      !ROLES.includes(claims.role)
    )
      return null;
    return {
      sub: claims.sub,
      role: claims.role,
      ...(typeof claims.agency === 'string' ? { agency: claims.agency } : {}),
      ...(typeof claims.exp === 'number' ? { exp: claims.exp } : {}),
    };
  } catch {
    return null;
  }
}

export function isExpired(claims: TokenClaims, nowMs: number): boolean {
  return claims.exp !== undefined && claims.exp * 1000 <= nowMs;
}

/** What each role may do in the dashboard; the API enforces the same rules. */
export const can = {
  contribute: (c: TokenClaims) => c.role === 'finance-officer',
  manageMoney: (c: TokenClaims) => c.role === 'finance-officer' || c.role === 'admin',
  readAudit: (c: TokenClaims) => c.role === 'auditor' || c.role === 'admin',
  /** Register agencies, open, join and close pots, set thresholds, close years. */
  setUp: (c: TokenClaims) => c.role === 'admin',
};
