import { IConstruct } from 'constructs';
import { fail, show } from './errors';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Validates a DNS-1123 label (RFC 1123): what Kubernetes requires of namespace, Service and most
 * object names that a human types. Returns the value so callers can assign in one line.
 */
export function validateDnsLabel(scope: IConstruct, what: string, value: string): string {
  if (value.length > 63 || !DNS_LABEL.test(value)) {
    fail(
      scope,
      `${what} ${show(value)} is not a valid DNS-1123 label`,
      'use at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit (e.g. "order-service")',
    );
  }
  return value;
}

const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Validates a name that becomes a Service name: a DNS-1035 label (RFC 1035), i.e. a DNS-1123 label
 * that starts with a letter. Returns the value.
 */
export function validateServiceName(scope: IConstruct, what: string, value: string): string {
  validateDnsLabel(scope, what, value);
  if (!DNS_1035_LABEL.test(value)) {
    fail(
      scope,
      `${what} ${show(value)} is not a valid Service name (a DNS-1035 label must start with a letter)`,
      `start the name with a letter (e.g. ${show('svc-' + value)})`,
    );
  }
  return value;
}

/** Validates a Kubernetes port name (IANA_SVC_NAME): 1-15 chars, lowercase alnum and '-', one letter. */
export function validatePortName(scope: IConstruct, value: string): string {
  if (value.length > 15 || !IANA_SVC_NAME.test(value) || !/[a-z]/.test(value) || value.includes('--')) {
    fail(
      scope,
      `port name ${show(value)} is not a valid IANA service name`,
      'use 1-15 lowercase letters, digits and single "-", with at least one letter (e.g. "http", "grpc")',
    );
  }
  return value;
}

/** Validates a label value (max 63 chars, alnum at both ends, '-', '_' and '.' inside). */
export function validateLabelValue(scope: IConstruct, what: string, value: string): string {
  if (value.length > 63 || !LABEL_VALUE.test(value)) {
    fail(
      scope,
      `${what} ${show(value)} is not a valid Kubernetes label value`,
      'use at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit',
    );
  }
  return value;
}

/** A label key: an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters. */
const LABEL_KEY = /^(?:(?=[a-z0-9.-]{1,253}\/)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(?=.{1,63}$)[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Validates a map of Kubernetes labels (keys and values); `nonEmpty`: at least one label. */
export function validateLabels(scope: IConstruct, what: string, labels: { [key: string]: string }, nonEmpty = false): { [key: string]: string } {
  if (nonEmpty && Object.keys(labels).length === 0) fail(scope, `${what} is empty`, 'give at least one label of the pods');
  for (const [k, v] of Object.entries(labels)) {
    if (!LABEL_KEY.test(k)) fail(scope, `${what} key ${show(k)} is not a label key`, 'use keys such as "app.kubernetes.io/name" (an optional DNS prefix, "/", a name of at most 63 characters)');
    validateLabelValue(scope, `${what}[${k}]`, v);
  }
  return labels;
}

/** Validates an environment variable name (C identifier: what every shell and runtime accepts). */
export function validateEnvName(scope: IConstruct, value: string): string {
  if (!ENV_NAME.test(value)) {
    fail(scope, `environment variable name ${show(value)} is not valid`, 'use letters, digits and "_", not starting with a digit (e.g. "ORDERS_URL")');
  }
  return value;
}

/**
 * Joins parts into an object name and checks it stays a DNS label: names are never truncated or
 * hashed (a truncated name can collide silently), so a name that is too long is an error.
 */
export function objectName(scope: IConstruct, ...parts: string[]): string {
  return validateDnsLabel(scope, 'generated object name', parts.filter((p) => p.length > 0).join('-'));
}

/** "order-service" -> "ORDER_SERVICE": the prefix of environment variables that describe a component. */
export function envPrefix(componentName: string): string {
  return componentName.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/**
 * Checks that an image reference is pinned: it must carry a tag other than "latest" or a digest.
 * Returns the tag (or the digest) for labels and docs.
 */
export function validateImage(scope: IConstruct, image: string): string {
  const fix = 'pin the image with a version tag or a digest, e.g. "ghcr.io/acme/orders:1.4.2" or "ghcr.io/acme/orders@sha256:<64 hex>"';
  if (image.trim() !== image || image.length === 0 || /\s/.test(image)) {
    fail(scope, `image ${show(image)} is not a valid image reference`, fix);
  }
  const at = image.indexOf('@');
  if (at >= 0) {
    const digest = image.slice(at + 1);
    if (!/^sha256:[a-f0-9]{64}$/.test(digest)) {
      fail(scope, `image ${show(image)} has a malformed digest`, fix);
    }
    return digest;
  }
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  if (colon < 0) {
    fail(scope, `image ${show(image)} has no tag or digest (it would float to whatever "latest" is)`, fix);
  }
  const tag = lastSegment.slice(colon + 1);
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) {
    fail(scope, `image ${show(image)} has an invalid tag ${show(tag)}`, fix);
  }
  if (tag === 'latest') {
    fail(scope, `image ${show(image)} uses the mutable tag "latest"`, fix);
  }
  return tag;
}

/** Validates a whole number in [min, max]. */
export function validateInteger(scope: IConstruct, what: string, value: number, min: number, max: number, fix: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    fail(scope, `${what} ${show(value)} is out of range (must be a whole number from ${min} to ${max})`, fix);
  }
  return value;
}

/**
 * Orders strings by UTF-16 code unit, like `Array.prototype.sort()` without a comparator. Every
 * sort of generated content uses it, never `localeCompare`: that one follows the machine's locale
 * (`LANG`; in Lithuanian `y` sorts before `j`), so the same program would write different files on
 * a developer's machine and in CI.
 */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Validates the schedule of a CronJob the library generates: a 5-field cron expression, or "" for
 * no CronJob. Returns the value.
 */
export function validateCronSchedule(scope: IConstruct, what: string, value: string, example: string): string {
  if (typeof value !== 'string' || (value !== '' && value.trim().split(/\s+/).length !== 5)) {
    fail(scope, `${what} ${show(value)} is not a 5-field cron expression`, `use e.g. "${example}", or "" for no CronJob`);
  }
  return value;
}
