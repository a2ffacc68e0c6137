/**
 * Sign-in configuration from the environment (docs/operations.md, "Single sign-on"): which
 * OpenID Connect issuers the API trusts, for which audience, with what clock skew and maximum
 * token lifetime; the default sign-in mapping (used until an admin records one); the dashboard's
 * client; and whether the server's own HS256 tokens are accepted.
 */
import { SignInRules, type SignInRule } from '../../events/signInMapping.ts';
import type { OidcVerifierSettings } from '../auth/oidc.ts';
import type { OidcLoginSettings } from '../http/plugins/oidcLogin.ts';

export const DEFAULT_OIDC_CLOCK_SKEW_SECONDS = 60;
/** Entra access tokens live 60–90 minutes; anything over a working day is refused. */
export const DEFAULT_OIDC_MAX_LIFETIME_SECONDS = 12 * 3_600;
export const MAX_OIDC_CLOCK_SKEW_SECONDS = 600;
export const MAX_OIDC_LIFETIME_SECONDS = 7 * 86_400;
export const MAX_OIDC_ISSUERS = 10;
export const DEFAULT_OIDC_SCOPE = 'openid profile';

export interface SignInConfig {
  /** Null when no LEDGER_OIDC_ISSUERS is set: the API accepts only HS256 tokens. */
  readonly oidc: {
    readonly verifier: OidcVerifierSettings;
    readonly defaultRules: readonly SignInRule[];
    /** Null when no dashboard client (LEDGER_OIDC_CLIENT_ID) is configured. */
    readonly login: OidcLoginSettings | null;
  } | null;
  /** Whether HS256 tokens (`potledger token`, the development sign-in) are accepted. */
  readonly hs256: boolean;
}

function setting(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function seconds(env: NodeJS.ProcessEnv, name: string, fallback: number, max: number): number {
  const text = setting(env, name);
  if (text === undefined) return fallback;
  if (!/^\d{1,9}$/.test(text) || Number(text) > max)
    throw new Error(`${name} must be a whole number of seconds up to ${max}, got ${text}`);
  return Number(text);
}

function httpsUrl(name: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`${name}: ${text} is not a URL`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw new Error(`${name}: ${text} must be https (plain http only on this machine)`);
  return text;
}

/** LEDGER_HS256: on or off; unset means on, except under NODE_ENV=production. */
export function readHs256(env: NodeJS.ProcessEnv): boolean {
  const value = setting(env, 'LEDGER_HS256');
  if (value === undefined) return env.NODE_ENV !== 'production';
  if (value !== 'on' && value !== 'off')
    throw new Error(`LEDGER_HS256 must be on or off, got ${value}`);
  return value === 'on';
}

function readDefaultRules(env: NodeJS.ProcessEnv): readonly SignInRule[] {
  const text = setting(env, 'LEDGER_OIDC_SIGN_IN_RULES');
  if (text === undefined) return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(
      'LEDGER_OIDC_SIGN_IN_RULES must be JSON: [{"claim", "value", "role", "agency"?}]',
    );
  }
  const parsed = SignInRules.safeParse(json);
  if (!parsed.success)
    throw new Error(
      `LEDGER_OIDC_SIGN_IN_RULES: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

export function readSignInConfig(env: NodeJS.ProcessEnv = process.env): SignInConfig {
  const hs256 = readHs256(env);
  const issuersText = setting(env, 'LEDGER_OIDC_ISSUERS');
  if (issuersText === undefined) {
    if (!hs256)
      throw new Error(
        'no way to sign in: set LEDGER_OIDC_ISSUERS (single sign-on) or LEDGER_HS256=on',
      );
    return { oidc: null, hs256 };
  }
  const issuers = issuersText
    .split(',')
    .map((issuer) => issuer.trim())
    .filter((issuer) => issuer !== '')
    .map((issuer) => httpsUrl('LEDGER_OIDC_ISSUERS', issuer));
  if (issuers.length > MAX_OIDC_ISSUERS)
    throw new Error(`LEDGER_OIDC_ISSUERS: at most ${MAX_OIDC_ISSUERS} issuers`);
  const audience = setting(env, 'LEDGER_OIDC_AUDIENCE');
  if (audience === undefined)
    throw new Error('LEDGER_OIDC_AUDIENCE must be set with LEDGER_OIDC_ISSUERS');
  const agencyClaim = setting(env, 'LEDGER_OIDC_AGENCY_CLAIM');
  const clientId = setting(env, 'LEDGER_OIDC_CLIENT_ID');
  const clientSecret = setting(env, 'LEDGER_OIDC_CLIENT_SECRET');
  const resource = setting(env, 'LEDGER_OIDC_RESOURCE');
  let login: OidcLoginSettings | null = null;
  if (clientId !== undefined) {
    const redirectUrl = setting(env, 'LEDGER_OIDC_REDIRECT_URL');
    if (redirectUrl === undefined)
      throw new Error('LEDGER_OIDC_REDIRECT_URL must be set with LEDGER_OIDC_CLIENT_ID');
    login = {
      issuer: issuers[0]!,
      clientId,
      ...(clientSecret === undefined ? {} : { clientSecret }),
      redirectUrl: httpsUrl('LEDGER_OIDC_REDIRECT_URL', redirectUrl),
      scope: setting(env, 'LEDGER_OIDC_SCOPE') ?? DEFAULT_OIDC_SCOPE,
      ...(resource === undefined ? {} : { resource }),
    };
  }
  return {
    hs256,
    oidc: {
      verifier: {
        issuers,
        audience,
        clockSkewSeconds: seconds(
          env,
          'LEDGER_OIDC_CLOCK_SKEW_S',
          DEFAULT_OIDC_CLOCK_SKEW_SECONDS,
          MAX_OIDC_CLOCK_SKEW_SECONDS,
        ),
        maxLifetimeSeconds: seconds(
          env,
          'LEDGER_OIDC_MAX_LIFETIME_S',
          DEFAULT_OIDC_MAX_LIFETIME_SECONDS,
          MAX_OIDC_LIFETIME_SECONDS,
        ),
        subjectClaim: setting(env, 'LEDGER_OIDC_SUBJECT_CLAIM') ?? 'sub',
        ...(agencyClaim === undefined ? {} : { agencyClaim }),
      },
      defaultRules: readDefaultRules(env),
      login,
    },
  };
}
