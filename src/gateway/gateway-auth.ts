import { SecretKeyReference } from '../architecture/binding';

/** How a gateway kind of authentication is named in errors and docs. */
export enum GatewayAuthKind {
  /** JSON Web Tokens. */
  JWT = 'jwt',
  /** API keys of named consumers. */
  API_KEY = 'api-key',
  /** No authentication (opts a route out of the gateway's default). */
  NONE = 'none',
}

/** JWT validation. Which fields an engine needs differs: each engine names the one it misses. */
export interface JwtAuthOptions {
  /** The issuer (`iss` claim) tokens must carry. */
  readonly issuer: string;
  /**
   * The issuer's JWKS URI, fetched by the gateway (Gateway API engine with Envoy Gateway).
   * @default - none (engines that need it fail at synth)
   */
  readonly jwksUri?: string;
  /**
   * The issuer's RS256 public key in PEM (Kong's and APISIX's JWT plugins verify against a
   * consumer's public key, not a JWKS URI). A public key is not a credential.
   * @default - none (engines that need it fail at synth)
   */
  readonly publicKeyPem?: string;
  /**
   * Accepted audiences (`aud` claim).
   * @default - any audience
   */
  readonly audiences?: string[];
}

/** One API consumer. */
export interface ApiKeyConsumer {
  /** The consumer's name (a DNS label), e.g. "partner-acme". */
  readonly name: string;
  /** The Secret key holding the consumer's API key (managed outside these manifests). */
  readonly key: SecretKeyReference;
  /**
   * Requests per minute this consumer may make on each route that uses the API key auth.
   * @default - no per-consumer limit
   */
  readonly rateLimitPerMinute?: number;
}

/** API keys of named consumers. */
export interface ApiKeyAuthOptions {
  /** The consumers and their keys. */
  readonly consumers: ApiKeyConsumer[];
  /**
   * The request header carrying the key.
   * @default "apikey"
   */
  readonly headerName?: string;
}

/** Authentication of a route (or of every route of a gateway). */
export class GatewayAuth {
  /** Validate JWTs issued by `issuer`. */
  public static jwt(options: JwtAuthOptions): GatewayAuth {
    return new GatewayAuth(GatewayAuthKind.JWT, options, undefined);
  }

  /** Require an API key of one of the consumers. */
  public static apiKey(options: ApiKeyAuthOptions): GatewayAuth {
    return new GatewayAuth(GatewayAuthKind.API_KEY, undefined, options);
  }

  /** No authentication: opts a route out of the gateway's default `auth`. */
  public static none(): GatewayAuth {
    return new GatewayAuth(GatewayAuthKind.NONE, undefined, undefined);
  }

  private constructor(
    /** The kind of authentication. */
    public readonly kind: GatewayAuthKind,
    /** The JWT options (JWT only). */
    public readonly jwtOptions: JwtAuthOptions | undefined,
    /** The API key options (API keys only). */
    public readonly apiKeyOptions: ApiKeyAuthOptions | undefined,
  ) {}
}
