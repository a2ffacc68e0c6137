/**
 * Access tokens from the organisation's OpenID Connect providers (Microsoft Entra ID and any
 * other): RS256 or ES256 only, from a configured issuer, for the configured audience, not
 * expired (beyond a small clock skew) and not living longer than the configured maximum. jose
 * verifies the signature against the issuer's JWKS, found by discovery; createRemoteJWKSet
 * caches the keys and fetches them again when a token names a key id it does not know, so a
 * provider's key rotation needs nothing from us, and a key the provider has removed stops
 * verifying once the cache is refreshed.
 *
 * The person's role and agency come from the sign-in mapping (events/signInMapping.ts): the
 * first rule whose claim the token carries decides.
 */
import {
  createRemoteJWKSet,
  decodeJwt,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
} from 'jose';
import { LRUCache } from 'lru-cache';
import { matchSignInRule, type SignInRule } from '../../events/signInMapping.ts';
import { AgencyId, text } from '../../events/primitives.ts';
import type { Actor } from '../../events/index.ts';
import { InvalidTokenError, type Role } from './tokens.ts';

export const OIDC_ALGORITHMS = ['RS256', 'ES256'] as const;
/** Discovery and JWKS requests give up after this; the caller sees 503, not a hang. */
export const OIDC_FETCH_TIMEOUT_MS = 5_000;
/** Keys are fetched again at least this often, so a removed key stops verifying. */
export const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
/** At most one JWKS fetch per this interval for unknown key ids (a flood of made-up kids). */
export const JWKS_COOLDOWN_MS = 30_000;
/**
 * A verified token's claims are remembered this long (never longer than the keys are), so a
 * client sending the same token on every request pays for one signature check, not each time
 * (an RS256 check measured 0.26–0.45 ms here, a cached token about 0.04 ms). Expiry and age are checked again on
 * every use: the cache remembers a signature, not the time.
 */
export const VERIFIED_TOKEN_CACHE_MS = 60_000;
export const VERIFIED_TOKEN_CACHE_SIZE = 10_000;
/** A failed discovery is tried again after this, not on every request. */
export const DISCOVERY_RETRY_MS = 5_000;
const MAX_SUB_CHARS = 200;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface OidcVerifierSettings {
  /** Issuer URLs exactly as the provider's tokens name them (`iss`). */
  readonly issuers: readonly string[];
  /** The `aud` every token must carry (the ledger API's application id URI or client id). */
  readonly audience: string;
  readonly clockSkewSeconds: number;
  /** A token's exp − iat, and its age, may not exceed this. */
  readonly maxLifetimeSeconds: number;
  /** The claim naming the person (default `sub`); written into every event's actor. */
  readonly subjectClaim: string;
  /** A claim carrying the agency slug, for rules that name a role but no agency. */
  readonly agencyClaim?: string;
  /** Overrides for tests: how often keys are refetched, and the cooldown between fetches. */
  readonly jwksCacheMaxAgeMs?: number;
  readonly jwksCooldownMs?: number;
}

/** The identity provider could not be reached (discovery or JWKS): the caller gets 503. */
export class IdentityProviderUnavailableError extends Error {}

export type OidcActor = Actor & { role: Role };

export interface OidcVerifier {
  /** True when the token claims to come from one of the configured issuers. */
  handles(token: string): boolean;
  verify(token: string, rules: readonly SignInRule[]): Promise<OidcActor>;
}

interface Discovered {
  readonly jwks: ReturnType<typeof createRemoteJWKSet>;
}

export function createOidcVerifier(settings: OidcVerifierSettings): OidcVerifier {
  const issuers = new Set(settings.issuers);
  const verified = new LRUCache<string, JWTPayload>({
    max: VERIFIED_TOKEN_CACHE_SIZE,
    ttl: Math.min(VERIFIED_TOKEN_CACHE_MS, settings.jwksCacheMaxAgeMs ?? JWKS_CACHE_MAX_AGE_MS),
  });
  const discovered = new Map<string, Promise<Discovered>>();

  function discover(issuer: string): Promise<Discovered> {
    const cached = discovered.get(issuer);
    if (cached !== undefined) return cached;
    const result = fetchDiscovery(issuer).then((metadata) => ({
      jwks: createRemoteJWKSet(new URL(metadata.jwks_uri), {
        timeoutDuration: OIDC_FETCH_TIMEOUT_MS,
        cacheMaxAge: settings.jwksCacheMaxAgeMs ?? JWKS_CACHE_MAX_AGE_MS,
        cooldownDuration: settings.jwksCooldownMs ?? JWKS_COOLDOWN_MS,
      }),
    }));
    discovered.set(issuer, result);
    // A failure is remembered briefly, then forgotten so the next request tries again.
    result.catch(() => {
      setTimeout(() => discovered.delete(issuer), DISCOVERY_RETRY_MS).unref();
    });
    return result;
  }

  return {
    handles(token) {
      const iss = unverifiedIssuer(token);
      return iss !== undefined && issuers.has(iss);
    },
    async verify(token, rules) {
      const cached = verified.get(token);
      if (cached !== undefined) {
        checkStillValid(cached, settings, Date.now());
        return actorFrom(cached, rules, settings);
      }
      const issuer = unverifiedIssuer(token);
      if (issuer === undefined || !issuers.has(issuer))
        throw new InvalidTokenError('the token is not from a configured issuer');
      const { jwks } = await discover(issuer);
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, jwks, {
          issuer,
          audience: settings.audience,
          algorithms: [...OIDC_ALGORITHMS],
          clockTolerance: settings.clockSkewSeconds,
          maxTokenAge: settings.maxLifetimeSeconds,
          requiredClaims: ['iat', 'exp', settings.subjectClaim],
        }));
      } catch (error) {
        if (error instanceof joseErrors.JWKSTimeout)
          throw new IdentityProviderUnavailableError(`the JWKS of ${issuer} did not answer`);
        if (error instanceof joseErrors.JOSEError) throw new InvalidTokenError(error.message);
        // A network failure fetching the keys is not the token's fault.
        throw new IdentityProviderUnavailableError(
          `the JWKS of ${issuer} could not be read: ${(error as Error).message}`,
        );
      }
      const { iat, exp } = payload as { iat: number; exp: number };
      if (exp - iat > settings.maxLifetimeSeconds)
        throw new InvalidTokenError('the token lives longer than the maximum token lifetime');
      verified.set(token, payload);
      return actorFrom(payload, rules, settings);
    },
  };
}

/** What jwtVerify checked against the clock, checked again for a token verified earlier. */
function checkStillValid(payload: JWTPayload, settings: OidcVerifierSettings, nowMs: number): void {
  const nowSeconds = Math.floor(nowMs / 1000);
  const { iat, exp } = payload as { iat: number; exp: number };
  if (exp + settings.clockSkewSeconds <= nowSeconds)
    throw new InvalidTokenError('the token has expired');
  if (nowSeconds - iat - settings.clockSkewSeconds > settings.maxLifetimeSeconds)
    throw new InvalidTokenError('the token is older than the maximum token lifetime');
}

function unverifiedIssuer(token: string): string | undefined {
  try {
    const { iss } = decodeJwt(token);
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

/** Signed in, but no rule gives this person a role: authenticated, not authorised. */
export class NoSignInRuleError extends Error {}

function actorFrom(
  payload: JWTPayload,
  rules: readonly SignInRule[],
  settings: OidcVerifierSettings,
): OidcActor {
  const sub = text(MAX_SUB_CHARS).safeParse(payload[settings.subjectClaim]);
  if (!sub.success)
    throw new InvalidTokenError(`the token's ${settings.subjectClaim} claim is not a usable name`);
  const rule = matchSignInRule(rules, payload);
  if (rule === undefined)
    throw new NoSignInRuleError(
      `no sign-in rule gives ${sub.data} a role; an admin maps a group or claim value to one (POST /v1/sign-in-mapping)`,
    );
  let agencyId = rule.agency;
  if (agencyId === undefined && settings.agencyClaim !== undefined) {
    const claimed = AgencyId.safeParse(payload[settings.agencyClaim]);
    if (claimed.success) agencyId = claimed.data;
  }
  if (rule.role === 'finance-officer' && agencyId === undefined)
    throw new NoSignInRuleError(
      `a finance officer must act for an agency; neither the sign-in rule nor the token${settings.agencyClaim === undefined ? '' : `'s ${settings.agencyClaim} claim`} names one`,
    );
  return { sub: sub.data, role: rule.role, ...(agencyId === undefined ? {} : { agencyId }) };
}

interface DiscoveryDocument {
  readonly issuer: string;
  readonly jwks_uri: string;
}

/** OpenID Connect Discovery 1.0 §4: the document must name the issuer it was fetched for. */
async function fetchDiscovery(issuer: string): Promise<DiscoveryDocument> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  let body: unknown;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(OIDC_FETCH_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    body = await response.json();
  } catch (error) {
    throw new IdentityProviderUnavailableError(
      `discovery at ${url} failed: ${(error as Error).message}`,
    );
  }
  const document = body as Partial<DiscoveryDocument>;
  if (document.issuer !== issuer || typeof document.jwks_uri !== 'string')
    throw new IdentityProviderUnavailableError(
      `discovery at ${url} does not describe issuer ${issuer}`,
    );
  // Keys fetched over plain http could be swapped on the way: https, except on this machine.
  const jwksUrl = URL.canParse(document.jwks_uri) ? new URL(document.jwks_uri) : undefined;
  const loopback = jwksUrl !== undefined && LOOPBACK_HOSTS.has(jwksUrl.hostname);
  if (
    jwksUrl === undefined ||
    !(jwksUrl.protocol === 'https:' || (jwksUrl.protocol === 'http:' && loopback))
  )
    throw new IdentityProviderUnavailableError(
      `discovery at ${url} names a JWKS that is not an https URL: ${document.jwks_uri}`,
    );
  return { issuer, jwks_uri: document.jwks_uri };
}
