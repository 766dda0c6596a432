import { Construct } from 'constructs';
import { ConfigValue } from './config-value';
import { fail, show } from '../internal/errors';

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const CREDENTIAL_KEY = /(password|passwd|passphrase|secret|token|api[-_.]?key|private[-_.]?key|credentials?)$/i;

/**
 * Checks configuration entries: every key a valid ConfigMap key, every value renderable, every
 * credential-looking key a Secret reference, and no Secret reference under a key that a plain
 * value of the same key (e.g. in the shared entries) declares plain. @internal
 */
export function validateConfigEntries(
  scope: Construct,
  what: string,
  entries: { [key: string]: ConfigValue },
  base: { [key: string]: ConfigValue } = {},
): void {
  for (const key of Object.keys(entries).sort()) {
    const v = entries[key];
    if (key.length > 253 || !CONFIG_KEY.test(key)) {
      fail(scope, `${what} key ${show(key)} is not a valid ConfigMap key`, 'use at most 253 letters, digits, "-", "_" or "." (e.g. "orders.page-size")');
    }
    if (v._problem) {
      fail(scope, `${what} key ${show(key)}: ${v._problem}`, 'pass a finite number or a JSON-serializable document');
    }
    if (!v.isSecret && CREDENTIAL_KEY.test(key)) {
      fail(scope, `${what} key ${show(key)} looks like a credential but is given as a plain ${v.type} value`, `store it in a Secret and pass ConfigValue.secret({ secretName, key }) for ${show(key)}`);
    }
    const b = base[key];
    if (b && b.isSecret !== v.isSecret) {
      fail(
        scope,
        `${what} key ${show(key)} is a ${v.isSecret ? 'Secret reference' : `plain ${v.type} value`} here but a ${b.isSecret ? 'Secret reference' : `plain ${b.type} value`} in the shared entries`,
        `keep ${show(key)} either a credential (ConfigValue.secret) or a plain value everywhere`,
      );
    }
  }
}
