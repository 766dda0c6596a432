/**
 * An HTTP request method: route matching at a gateway, retry scoping in a mesh. GET, HEAD, OPTIONS,
 * TRACE, PUT and DELETE are idempotent (RFC 9110 §9.2.2); POST and PATCH are not — a retried
 * request can take effect twice.
 */
export enum HttpMethod {
  /** GET (idempotent). */
  GET = 'GET',
  /** HEAD (idempotent). */
  HEAD = 'HEAD',
  /** OPTIONS (idempotent). */
  OPTIONS = 'OPTIONS',
  /** TRACE (idempotent). */
  TRACE = 'TRACE',
  /** PUT (idempotent). */
  PUT = 'PUT',
  /** DELETE (idempotent). */
  DELETE = 'DELETE',
  /** POST (not idempotent). */
  POST = 'POST',
  /** PATCH (not idempotent). */
  PATCH = 'PATCH',
}
