/**
 * Issue 13 item 10: the lifetime rules `signToken` obeys are enforced again when a token is
 * verified, so a token signed with the server's secret by anything else (a script, an old CLI)
 * cannot outlive them. The clock is fixed; tokens are signed by hand with the server's secret.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createTokenVerifier,
  InvalidTokenError,
  MAX_TOKEN_LIFETIME_MS,
  signToken,
  TOKEN_CLOCK_SKEW_MS,
} from '../../src/auth/tokens.ts';

const SECRET = 'token-lifetime-test-secret-0123456789abcdef';
const NOW_S = Math.floor(Date.now() / 1000);
const MAX_S = MAX_TOKEN_LIFETIME_MS / 1000;
const SKEW_S = TOKEN_CLOCK_SKEW_MS / 1000;

function signed(payload: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const head = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(payload)}`;
  return `${head}.${createHmac('sha256', SECRET).update(head).digest('base64url')}`;
}

const verify = createTokenVerifier(SECRET, () => NOW_S * 1000);
const admin = { sub: 'mallory', role: 'admin' };

describe('token lifetime at verification', () => {
  it.each([
    ['issued now, living 8 hours', { iat: NOW_S, exp: NOW_S + 8 * 3600 }],
    ['living exactly the maximum lifetime', { iat: NOW_S - 10, exp: NOW_S - 10 + MAX_S }],
    [
      'issued up to the clock skew in the future',
      { iat: NOW_S + SKEW_S, exp: NOW_S + SKEW_S + 3600 },
    ],
  ])('accepts a token %s', (_name, times) => {
    expect(verify(signed({ ...admin, ...times }))).toEqual({ sub: 'mallory', role: 'admin' });
  });

  it.each([
    ['without iat', { exp: NOW_S + 3600 }],
    ['without exp', { iat: NOW_S }],
    ['with a string iat', { iat: String(NOW_S), exp: NOW_S + 3600 }],
    [
      'issued one second beyond the clock skew in the future',
      { iat: NOW_S + SKEW_S + 1, exp: NOW_S + SKEW_S + 3600 },
    ],
    ['issued a year in the future', { iat: NOW_S + 365 * 86_400, exp: NOW_S + 366 * 86_400 }],
    ['living 100 years', { iat: NOW_S, exp: NOW_S + 100 * 365 * 86_400 }],
    ['living one second longer than the maximum', { iat: NOW_S - 10, exp: NOW_S - 10 + MAX_S + 1 }],
    ['expiring before it was issued', { iat: NOW_S - 10, exp: NOW_S - 20 }],
    ['that has expired', { iat: NOW_S - 7200, exp: NOW_S - 3600 }],
  ])('refuses a token %s', (_name, times) => {
    expect(() => verify(signed({ ...admin, ...times }))).toThrow(InvalidTokenError);
  });

  it('refuses a token issued in the future even after the same token was accepted once (the verifier caches)', () => {
    let nowMs = (NOW_S + 3600) * 1000;
    const cachingVerify = createTokenVerifier(SECRET, () => nowMs);
    const token = signed({ ...admin, iat: NOW_S + 3600, exp: NOW_S + 7200 });
    expect(cachingVerify(token).sub).toBe('mallory');
    nowMs = NOW_S * 1000;
    expect(() => cachingVerify(token)).toThrow(/future/);
  });

  it('accepts what signToken mints, at every lifetime it allows', () => {
    for (const lifetime of ['1s', '8h', '30d']) {
      expect(
        createTokenVerifier(SECRET)(signToken(SECRET, { sub: 'alice', role: 'auditor' }, lifetime))
          .role,
      ).toBe('auditor');
    }
  });
});
