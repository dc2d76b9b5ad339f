import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type JWTPayload, type KeyLike } from "jose";

export const ISSUER = "https://auth.test.example";
export const AUDIENCE = "heat-collector";

export interface JwksServer {
  url: string;
  /** Requests the JWKS endpoint has answered (to observe caching). */
  hits: number;
  sign(claims?: JWTPayload, opts?: { expiresIn?: string | number; notBefore?: string | number; issuer?: string; audience?: string; foreignKey?: boolean }): Promise<string>;
  unsigned(claims?: JWTPayload): string;
  close(): Promise<void>;
}

/** A local JWKS endpoint with one RS256 key, and a token factory (good and bad tokens). */
export async function startJwksServer(): Promise<JwksServer> {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const foreign = (await generateKeyPair("RS256")).privateKey;
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  const state = { hits: 0 };
  const server: Server = createServer((req, res) => {
    if (req.url !== "/.well-known/jwks.json") {
      res.statusCode = 404;
      res.end();
      return;
    }
    state.hits++;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get hits() {
      return state.hits;
    },
    async sign(claims = {}, opts = {}) {
      let jwt = new SignJWT(claims)
        .setProtectedHeader({ alg: "RS256", kid: "k1" })
        .setIssuedAt()
        .setIssuer(opts.issuer ?? ISSUER)
        .setAudience(opts.audience ?? AUDIENCE)
        .setExpirationTime(opts.expiresIn ?? "5m");
      if (opts.notBefore !== undefined) jwt = jwt.setNotBefore(opts.notBefore);
      return jwt.sign((opts.foreignKey ? foreign : privateKey) as KeyLike);
    },
    unsigned(claims = {}) {
      return new UnsecuredJWT(claims).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime("5m").encode();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
