/**
 * The signed-in token lives in sessionStorage: it goes when the tab closes, and other tabs
 * and sites never see it. Claims are decoded for display only.
 */
import { decodeToken, isExpired, type TokenClaims } from './token.ts';

const TOKEN_KEY = 'potledger.token';
/** For a token from the organisation's identity provider: the role the server mapped it to. */
const CLAIMS_KEY = 'potledger.claims';

export interface Session {
  readonly token: string;
  readonly claims: TokenClaims;
}

export function currentSession(): Session | null {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token === null) return null;
  const claims = storedClaims() ?? decodeToken(token);
  if (claims === null || isExpired(claims, Date.now())) {
    signOut();
    return null;
  }
  return { token, claims };
}

export function signIn(token: string): Session | null {
  const claims = decodeToken(token);
  if (claims === null || isExpired(claims, Date.now())) return null;
  sessionStorage.setItem(TOKEN_KEY, token.trim());
  return { token: token.trim(), claims };
}

/** A token from the organisation's identity provider, with the role and agency it maps to. */
export function signInWithClaims(token: string, claims: TokenClaims): Session | null {
  if (isExpired(claims, Date.now())) return null;
  sessionStorage.setItem(TOKEN_KEY, token);
  sessionStorage.setItem(CLAIMS_KEY, JSON.stringify(claims));
  return { token, claims };
}

/** True when the session came from the identity provider, which signs out on its own page. */
export function isSingleSignOn(): boolean {
  return sessionStorage.getItem(CLAIMS_KEY) !== null;
}

function storedClaims(): TokenClaims | null {
  const text = sessionStorage.getItem(CLAIMS_KEY);
  if (text === null) return null;
  try {
    const claims = JSON.parse(text) as TokenClaims;
    return typeof claims.sub === 'string' && typeof claims.role === 'string' ? claims : null;
  } catch {
    return null;
  }
}

export function signOut(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(CLAIMS_KEY);
}
