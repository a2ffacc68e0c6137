/**
 * The signed-in token lives in sessionStorage: it goes when the tab closes, and other tabs
 * and sites never see it. Claims are decoded for display only.
 */
import { decodeToken, isExpired, type TokenClaims } from './token.ts';

const TOKEN_KEY = 'potledger.token';

export interface Session {
  readonly token: string;
  readonly claims: TokenClaims;
}

export function currentSession(): Session | null {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token === null) return null;
  const claims = decodeToken(token);
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

export function signOut(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}
