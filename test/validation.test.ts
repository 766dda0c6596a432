import { Chart } from 'cdk8s';
import * as arch from '../src';
import { newTestApp } from './harness/synth';

function fresh(profile = arch.Profile.PRODUCTION): arch.BackendArchitecture {
  return new arch.BackendArchitecture(newTestApp(), 'shop', { profile });
}
const IMAGE = 'ghcr.io/acme/orders:1.4.2';

/**
 * Each bad input fails when the program runs, with one message that names the construct path,
 * the bad value and the fix.
 */
function expectError(fn: () => unknown, path: string, value: string, fix: RegExp): void {
  let message = '';
  try {
    fn();
  } catch (e: any) {
    message = e.message;
  }
  expect(message).toContain(`[${path}]`);
  expect(message).toContain(value);
  expect(message).toMatch(/Fix: /);
  expect(message).toMatch(fix);
}

describe('names', () => {
  test('a microservice name that is not a DNS label', () => {
    expectError(() => new arch.Microservice(fresh(), 'Order_Service', { image: IMAGE }), 'shop/Order_Service', '"Order_Service"', /lowercase letters/);
  });
  test('a context that is not a DNS label', () => {
    expectError(() => new arch.Microservice(fresh(), 'orders', { image: IMAGE, context: 'Ordering' }), 'shop/orders', '"Ordering"', /lowercase/);
  });
  test('a reserved namespace as context', () => {
    expectError(() => new arch.Microservice(fresh(), 'orders', { image: IMAGE, context: 'kube-system' }), 'shop/orders', '"kube-system"', /choose a namespace of your own/);
  });
  test('a team that is not a label value', () => {
    expectError(() => new arch.Microservice(fresh(), 'orders', { image: IMAGE, team: 'check out!' }), 'shop/orders', '"check out!"', /letters, digits/);
  });
  test('an architecture name that is not a DNS label', () => {
    expectError(() => new arch.BackendArchitecture(newTestApp(), 'My Shop'), 'My Shop', '"My Shop"', /lowercase/);
  });
  test('a generated name longer than 63 characters is an error, never a silent truncation', () => {
    expectError(() => new arch.Microservice(fresh(), 'a'.repeat(64), { image: IMAGE }), `shop/${'a'.repeat(64)}`, 'a'.repeat(64), /at most 63/);
  });
  test('two architectures with the same name in one app (their files would collide)', () => {
    const app = newTestApp();
    new arch.BackendArchitecture(app, 'shop');
    expectError(() => new arch.BackendArchitecture(app, 'shop2', { name: 'shop' }), 'shop2', '"shop-namespaces"', /distinct name/);
  });
});

describe('ports', () => {
  test('out of range', () => {
    expectError(() => new arch.Microservice(fresh(), 'orders', { image: IMAGE, port: 70000 }), 'shop/orders', '70000', /1 to 65535/);
    expectError(() => new arch.Microservice(fresh(), 'orders', { image: IMAGE, port: 0 }), 'shop/orders', '0', /1 to 65535/);
  });
  test('colliding numbers', () => {
    expectError(() => new arch.Microservice(fresh(), 'orders', { image: IMAGE, port: 8080, additionalPorts: [{ name: 'admin', port: 8080 }] }), 'shop/orders', '8080', /distinct number/);
  });
  test('colliding names', () => {
    expectError(() => new arch.Microservice(fresh(), 'orders', { image: IMAGE, additionalPorts: [{ port: 8081 }] }), 'shop/orders', '"http"', /distinct name/);
  });
  test('a port name that is not an IANA service name', () => {
    expectError(() => new arch.Microservice(fresh(), 'orders', { image: IMAGE, additionalPorts: [{ name: 'management-https', port: 8081 }] }), 'shop/orders', '"management-https"', /1-15/);
  });
  test('a health check on a port the service does not expose', () => {
    expectError(() => new arch.Microservice(fresh(), 'orders', { image: IMAGE, healthCheck: arch.HealthCheck.http({ port: 9999 }) }), 'shop/orders', '9999', /probe one of its ports/);
  });
  test('a health check path that is not absolute', () => {
    expectError(() => new arch.Microservice(fresh(), 'orders', { image: IMAGE, healthCheck: arch.HealthCheck.http({ readinessPath: 'ready' }) }), 'shop/orders', '"ready"', /absolute URL path/);
  });
});

describe('replicas and resources', () => {
  test('replicas < 1 or fractional', () => {
    expectError(() => new arch.Microservice(fresh(), 'orders', { image: IMAGE, replicas: 0 }), 'shop/orders', 'replicas 0', /at least 1/);
    expectError(() => new arch.Microservice(fresh(), 'orders', { image: IMAGE, replicas: 1.5 }), 'shop/orders', '1.5', /at least 1/);
  });
  test('replicas and autoscaling together', () => {
    expectError(() => new arch.Microservice(fresh(), 'orders', { image: IMAGE, replicas: 2, autoscaling: { minReplicas: 2, maxReplicas: 4 } }), 'shop/orders', '(2)', /either/);
  });
  test('autoscaling maximum below minimum', () => {
    expectError(() => new arch.Microservice(fresh(), 'orders', { image: IMAGE, autoscaling: { minReplicas: 4, maxReplicas: 2 } }), 'shop/orders', 'maxReplicas 2', /at least as large/);
  });
  test('a request above its limit', () => {
    expectError(() => new arch.Microservice(fresh(), 'orders', { image: IMAGE, resources: { cpuRequestMillis: 2000, cpuLimitMillis: 1000 } }), 'shop/orders', '2000', /raise the limit/);
  });
  test('running as root', () => {
    expectError(() => new arch.Microservice(fresh(), 'orders', { image: IMAGE, runAsUser: 0 }), 'shop/orders', 'runAsUser 0', /non-root/);
  });
});

describe('images', () => {
  test('no tag or digest', () => {
    expectError(() => new arch.Microservice(fresh(), 'orders', { image: 'ghcr.io/acme/orders' }), 'shop/orders', '"ghcr.io/acme/orders"', /pin the image/);
  });
  test('a registry port is not a tag', () => {
    expectError(() => new arch.Microservice(fresh(), 'orders', { image: 'registry.local:5000/acme/orders' }), 'shop/orders', '"registry.local:5000/acme/orders"', /pin the image/);
  });
  test('the latest tag', () => {
    expectError(() => new arch.Microservice(fresh(), 'orders', { image: 'nginx:latest' }), 'shop/orders', '"nginx:latest"', /pin the image/);
  });
  test('a malformed digest', () => {
    expectError(() => new arch.Microservice(fresh(), 'orders', { image: 'nginx@sha256:abc' }), 'shop/orders', '"nginx@sha256:abc"', /pin the image/);
  });
  test('a pinned tag and a digest are accepted', () => {
    const shop = fresh();
    expect(() => new arch.Microservice(shop, 'a', { image: 'registry.local:5000/acme/a:1.0.0' })).not.toThrow();
    expect(() => new arch.Microservice(shop, 'b', { image: `nginx@sha256:${'a'.repeat(64)}` })).not.toThrow();
  });
});

describe('bindings', () => {
  test('a binding to a service of another architecture', () => {
    const a = fresh();
    const b = new arch.BackendArchitecture(newTestApp(), 'other');
    const orders = new arch.Microservice(a, 'orders', { image: IMAGE });
    const users = new arch.Microservice(b, 'users', { image: IMAGE });
    expectError(() => orders.uses(users), 'shop/orders', '"other"', /same BackendArchitecture/);
  });
  test('a service that uses itself', () => {
    const orders = new arch.Microservice(fresh(), 'orders', { image: IMAGE });
    expectError(() => orders.uses(orders), 'shop/orders', '"orders"', /remove the uses\(\) call/);
  });
  test('a binding whose env var collides with the service\'s own', () => {
    const shop = fresh();
    const orders = new arch.Microservice(shop, 'orders', { image: IMAGE, env: { PAYMENTS_HOST: arch.EnvValue.fromValue('legacy.example.com') } });
    const payments = new arch.Microservice(shop, 'payments', { image: IMAGE });
    expectError(() => orders.uses(payments), 'shop/orders', 'PAYMENTS_HOST', /rename one of them/);
  });
});

describe('environment', () => {
  test('a credential passed as a literal', () => {
    expectError(() => new arch.Microservice(fresh(), 'orders', { image: IMAGE, env: { DB_PASSWORD: arch.EnvValue.fromValue('hunter2') } }), 'shop/orders', 'DB_PASSWORD', /EnvValue.fromSecret/);
  });
  test('an invalid variable name', () => {
    expectError(() => new arch.Microservice(fresh(), 'orders', { image: IMAGE, env: { '1ST': arch.EnvValue.fromValue('x') } }), 'shop/orders', '"1ST"', /not starting with a digit/);
  });
});

describe('architecture', () => {
  test('inside a chart', () => {
    const app = newTestApp();
    const chart = new Chart(app, 'c');
    expectError(() => new arch.BackendArchitecture(chart, 'shop'), 'c/shop', '"c"', /directly under the cdk8s App/);
  });
  test('a namespace below restricted needs a reason, and levels cannot conflict', () => {
    const shop = fresh();
    expectError(() => shop.addNamespace(shop, 'logging', { podSecurity: arch.PodSecurityLevel.PRIVILEGED }), 'shop', '"privileged"', /give the reason/);
    shop.addNamespace(shop, 'logging', { podSecurity: arch.PodSecurityLevel.BASELINE, reason: 'the log agent reads /var/log/pods' });
    expectError(() => shop.addNamespace(shop, 'logging'), 'shop', '"restricted"', /different namespaces/);
  });
  test('two architectures of one app claiming the same namespace', () => {
    const app = newTestApp();
    const a = new arch.BackendArchitecture(app, 'shop');
    const b = new arch.BackendArchitecture(app, 'blog');
    new arch.Microservice(a, 'orders', { image: IMAGE, context: 'core' });
    expectError(() => new arch.Microservice(b, 'posts', { image: IMAGE, context: 'core' }), 'blog/posts', '"core"', /its own namespaces/);
  });
  test('a microservice outside any architecture', () => {
    const app = newTestApp();
    expectError(() => new arch.Microservice(app, 'orders', { image: IMAGE }), 'orders', 'BackendArchitecture', /create it with a BackendArchitecture/);
  });
});
