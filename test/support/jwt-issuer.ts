/**
 * A test JWT issuer: a real key pair, its public JWKS, and signed tokens with
 * deterministic claims (fixed `iat`/`exp` unless told otherwise), for the
 * request-authentication evaluator (`mesh/request-authentication.ts`).
 *
 * Tokens are compact JWS (RFC 7515) with a JSON payload (RFC 7519).
 * Signatures: RS256/384/512 and PS256/384/512 (RSA 2048), ES256/ES384/ES512, EdDSA (Ed25519).
 */
import { constants, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';

/** The JWS algorithms the issuer can sign with. */
export type JwtAlg = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'ES512' | 'EdDSA';

/** A fixed "now" (epoch seconds) for deterministic tokens: 2023-11-14T22:13:20Z. */
export const TEST_NOW = 1_700_000_000;

/** Properties of `createIssuer`. */
export interface IssuerProps {
  /** The `iss` claim. */
  readonly issuer: string;
  /**
   * `kid` of the key (in the JWKS and in token headers).
   *
   * @default 'test-key-1'
   */
  readonly kid?: string;
  /**
   * Signing algorithm.
   *
   * @default 'RS256'
   */
  readonly alg?: JwtAlg;
  /**
   * The time tokens are issued at (`iat`), in epoch seconds.
   *
   * @default TEST_NOW
   */
  readonly now?: number;
}

/** Options of one `sign` call. */
export interface SignOptions {
  /** Extra or overriding JOSE header fields (e.g. `{ kid: 'other' }`, `{ kid: undefined }` to drop it). */
  readonly header?: Readonly<Record<string, unknown>>;
  /**
   * Lifetime: `exp = now + expiresIn`.
   *
   * @default 3600
   */
  readonly expiresIn?: number;
  /**
   * `iat`.
   *
   * @default - the issuer's `now`
   */
  readonly now?: number;
  /** Leave `exp` out. */
  readonly omitExp?: boolean;
}

/** A JWK as published in the JWKS. */
export type PublicJwk = Readonly<Record<string, string>>;

/** A test issuer. */
export interface TestIssuer {
  readonly issuer: string;
  readonly kid: string;
  readonly alg: JwtAlg;
  /** The public key set `{ keys: [{ ..., kid, alg, use: 'sig' }] }`. */
  readonly jwks: { readonly keys: readonly PublicJwk[] };
  /**
   * A token with `iss`, `iat`, `exp` (unless `omitExp`) and `claims`
   * (claims override the defaults, e.g. `{ iss: 'other' }`).
   */
  sign(claims: Readonly<Record<string, unknown>>, options?: SignOptions): string;
  /** Like `sign`, but signed with a different key pair under the same `kid`/`alg` (a forgery). */
  forge(claims: Readonly<Record<string, unknown>>, options?: SignOptions): string;
  /**
   * An unsecured token (`alg: "none"`, RFC 7519 §6): `header.payload.` with
   * an empty signature, or with `signature` when given.
   */
  unsecured(claims: Readonly<Record<string, unknown>>, options?: SignOptions & { readonly signature?: string }): string;
}

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

function keyPair(alg: JwtAlg): { publicKey: KeyObject; privateKey: KeyObject } {
  if (alg.startsWith('RS') || alg.startsWith('PS')) return generateKeyPairSync('rsa', { modulusLength: 2048 });
  if (alg === 'ES256') return generateKeyPairSync('ec', { namedCurve: 'P-256' });
  if (alg === 'ES384') return generateKeyPairSync('ec', { namedCurve: 'P-384' });
  if (alg === 'ES512') return generateKeyPairSync('ec', { namedCurve: 'P-521' });
  return generateKeyPairSync('ed25519');
}

function signature(alg: JwtAlg, key: KeyObject, data: Buffer): Buffer {
  const hash = alg.endsWith('384') ? 'sha384' : alg.endsWith('512') ? 'sha512' : 'sha256';
  if (alg === 'EdDSA') return cryptoSign(null, data, key);
  if (alg.startsWith('ES')) return cryptoSign(hash, data, { key, dsaEncoding: 'ieee-p1363' });
  if (alg.startsWith('PS')) return cryptoSign(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
  return cryptoSign(hash, data, { key, padding: constants.RSA_PKCS1_PADDING });
}

/**
 * Creates an issuer with a fresh key pair.
 *
 * @example
 * const idp = createIssuer({ issuer: 'https://idp.example' });
 * const token = idp.sign({ sub: 'alice', aud: 'models' });
 * authenticate(ras, workload, { path: '/', headers: { authorization: `Bearer ${token}` } },
 *   { jwks: { 'https://idp.example/jwks.json': idp.jwks }, now: TEST_NOW });
 */
export function createIssuer(props: IssuerProps): TestIssuer {
  const alg = props.alg ?? 'RS256';
  const kid = props.kid ?? 'test-key-1';
  const issuedAt = props.now ?? TEST_NOW;
  const real = keyPair(alg);
  let forger: KeyObject | undefined;

  const token = (key: KeyObject | undefined, jwsAlg: string, claims: Readonly<Record<string, unknown>>, options: SignOptions & { signature?: string } = {}) => {
    const now = options.now ?? issuedAt;
    const header = Object.fromEntries(Object.entries({ alg: jwsAlg, typ: 'JWT', kid, ...options.header }).filter(([, v]) => v !== undefined));
    const payload = { iss: props.issuer, iat: now, ...(options.omitExp === true ? {} : { exp: now + (options.expiresIn ?? 3600) }), ...claims };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    if (key === undefined) return `${input}.${options.signature ?? ''}`;
    return `${input}.${b64url(signature(alg, key, Buffer.from(input)))}`;
  };

  return {
    issuer: props.issuer,
    kid,
    alg,
    jwks: { keys: [{ ...(real.publicKey.export({ format: 'jwk' }) as Record<string, string>), kid, alg, use: 'sig' }] },
    sign: (claims, options) => token(real.privateKey, alg, claims, options),
    forge: (claims, options) => {
      forger ??= keyPair(alg).privateKey;
      return token(forger, alg, claims, options);
    },
    unsecured: (claims, options) => token(undefined, 'none', claims, options),
  };
}
