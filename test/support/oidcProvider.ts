/**
 * A real OpenID Provider for the sign-in tests: oidc-provider (the certified implementation) on
 * 127.0.0.1 with a random port, its in-memory adapter, one confidential client that must use
 * PKCE, and people whose access tokens carry a `groups` claim. Access tokens are RS256 JWTs for
 * one resource (the ledger API), as Entra ID issues them for an API's application id URI.
 * Sign-in uses the provider's own development login page (any password), consent is granted
 * automatically for the test client.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';

export const TEST_CLIENT_ID = 'potledger-dashboard';
export const TEST_CLIENT_SECRET = 'potledger-dashboard-secret-0123456789abcdef';
export const TEST_AUDIENCE = 'api://potledger-test';
export const FINANCE_GROUP = 'grp-essex-police-finance';
export const ADMIN_GROUP = 'grp-potledger-admins';

/** The people the provider knows: login name → the groups their tokens carry. */
export const TEST_PEOPLE: Readonly<Record<string, readonly string[]>> = {
  fran: [FINANCE_GROUP],
  ada: [ADMIN_GROUP],
  nobody: ['grp-unrelated'],
};

export interface TestOidcProvider {
  readonly issuer: string;
  close(): Promise<void>;
}

/** `ledgerOrigin` is where the ledger listens: the client's redirect and logout URLs live there. */
export async function startOidcProvider(ledgerOrigin: string): Promise<TestOidcProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = {
    ...(await exportJWK(privateKey)),
    kid: 'test-rs256-1',
    alg: 'RS256',
    use: 'sig',
  };

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: TEST_CLIENT_ID,
        client_secret: TEST_CLIENT_SECRET,
        redirect_uris: [`${ledgerOrigin}/auth/callback`],
        post_logout_redirect_uris: [`${ledgerOrigin}/`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [signingKey] },
    pkce: { required: () => true },
    // Lifetimes in seconds, short as a test needs (and said, so the provider does not warn).
    ttl: { Interaction: 600, Grant: 3_600, Session: 3_600, AccessToken: 3_600, IdToken: 3_600 },
    claims: { openid: ['sub'], profile: ['name'], groups: ['groups'] },
    async findAccount(_ctx, sub) {
      const groups = TEST_PEOPLE[sub];
      if (groups === undefined) return undefined;
      return { accountId: sub, claims: async () => ({ sub, name: sub, groups: [...groups] }) };
    },
    async extraTokenClaims(_ctx, token) {
      const accountId = (token as { accountId?: string }).accountId;
      const groups = accountId === undefined ? undefined : TEST_PEOPLE[accountId];
      return groups === undefined ? undefined : { groups: [...groups] };
    },
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => TEST_AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== TEST_AUDIENCE) throw new Error(`unknown resource ${resource}`);
          return {
            scope: 'openid profile',
            audience: TEST_AUDIENCE,
            accessTokenTTL: 3_600,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    // The test client is the ledger itself: nobody needs to be asked for consent.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const accountId = ctx.oidc.session?.accountId;
      const clientId = ctx.oidc.client?.clientId;
      if (accountId === undefined || clientId === undefined) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId, accountId });
      grant.addOIDCScope('openid profile');
      grant.addResourceScope(TEST_AUDIENCE, 'openid profile');
      await grant.save();
      return grant;
    },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
