/**
 * A minimal OpenID Connect issuer on loopback for the API's token checks: discovery and a JWKS
 * served over real HTTP, keys the test can add, rotate and remove, and tokens signed with
 * whichever key (and claims) a test needs. The sign-in flow itself is tested against
 * oidc-provider (test/support/oidcProvider.ts); this one exists to make expired, over-long,
 * foreign and re-keyed tokens on demand.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

type Alg = 'RS256' | 'ES256';

interface Key {
  readonly kid: string;
  readonly alg: Alg;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

export interface KeyIssuer {
  readonly issuer: string;
  /** Makes a new signing key and publishes it (the old ones stay published). */
  addKey(alg?: Alg): Promise<string>;
  /** Stops publishing a key; tokens it signed should then be refused. */
  removeKey(kid: string): void;
  /** How many times the JWKS has been fetched. */
  jwksFetches(): number;
  sign(
    claims: JWTPayload,
    options?: { kid?: string; iat?: number; exp?: number; issuer?: string; audience?: string },
  ): Promise<string>;
  close(): Promise<void>;
}

export async function startKeyIssuer(
  audience: string,
  options: { advertisedJwksUri?: string } = {},
): Promise<KeyIssuer> {
  const keys: Key[] = [];
  let fetches = 0;
  let issuer = '';
  const server: Server = createServer((request, response) => {
    if (request.url === '/.well-known/openid-configuration') {
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({ issuer, jwks_uri: options.advertisedJwksUri ?? `${issuer}/jwks` }),
      );
    } else if (request.url === '/jwks') {
      fetches += 1;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys: keys.map((key) => key.publicJwk) }));
    } else {
      response.statusCode = 404;
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const addKey = async (alg: Alg = 'RS256') => {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const kid = `key-${keys.length + 1}-${alg}`;
    keys.push({ kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg } });
    return kid;
  };
  await addKey();
  return {
    issuer,
    addKey,
    removeKey(kid) {
      const at = keys.findIndex((key) => key.kid === kid);
      if (at >= 0) keys.splice(at, 1);
    },
    jwksFetches: () => fetches,
    async sign(claims, options = {}) {
      const key = keys.find((k) => k.kid === (options.kid ?? keys.at(-1)?.kid));
      if (key === undefined) throw new Error(`no key ${options.kid}`);
      const now = Math.floor(Date.now() / 1000);
      const iat = options.iat ?? now;
      return new SignJWT(claims)
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
        .setIssuer(options.issuer ?? issuer)
        .setAudience(options.audience ?? audience)
        .setIssuedAt(iat)
        .setExpirationTime(options.exp ?? iat + 3_600)
        .sign(key.privateKey);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
