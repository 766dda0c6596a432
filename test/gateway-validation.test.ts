import { Duration } from 'cdk8s';
import * as arch from '../src';
import { newTestApp } from './harness/synth';

function setup() {
  const app = newTestApp();
  const shop = new arch.BackendArchitecture(app, 'shop');
  const other = new arch.BackendArchitecture(app, 'other');
  const trips = new arch.Microservice(shop, 'trips', { image: 'ghcr.io/acme/trips:1.0.0' });
  const foreign = new arch.Microservice(other, 'billing', { image: 'ghcr.io/acme/billing:1.0.0' });
  const stack = new arch.ObservabilityStack(shop, 'observability', { metrics: arch.Metrics.prometheus({ alertmanager: { receivers: [{}] } }) });
  const foreignStack = new arch.ObservabilityStack(other, 'obs', { metrics: arch.Metrics.prometheus({ alertmanager: { receivers: [{}] } }) });
  const edge = new arch.Gateway(shop, 'edge');
  return { shop, other, trips, foreign, stack, foreignStack, edge };
}

describe('bad inputs fail at synth with the construct path, the bad value and the fix', () => {
  test('a route to a component of another architecture', () => {
    const s = setup();
    expect(() => s.edge.route({ path: '/billing', to: s.foreign }))
      .toThrow(/^\[shop\/edge\] route to microservice "billing" \(other\/billing\): it belongs to the architecture "other", not "shop"\. Fix: route only to components of the gateway's own BackendArchitecture/);
    expect(() => s.edge.expose(s.foreignStack.grafana!, { host: 'g.example.com', authentication: arch.ConsoleAuthentication.CONSOLE_LOGIN }))
      .toThrow(/^\[shop\/edge\] route to console "grafana" .*belongs to the architecture "other".*Fix:/);
  });

  test.each(['/api/*', 'api', '/api/', '/api/{id}', '/api//trips', '^/api$', '/api?x=1'])('unknown path syntax %s', (path) => {
    const s = setup();
    expect(() => s.edge.route({ path, to: s.trips }))
      .toThrow(new RegExp(`^\\[shop/edge\\] route path ${JSON.stringify(path).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is not a path this library understands\\. Fix: use "/" or "/segment`));
  });

  test('the same host and path twice', () => {
    const s = setup();
    s.edge.route({ path: '/api/trips', host: 'api.example.com', to: s.trips });
    expect(() => s.edge.route({ path: '/api/trips', host: 'api.example.com', to: s.trips, timeout: Duration.seconds(1) }))
      .toThrow(/^\[shop\/edge\] route "\/api\/trips" on "api.example.com" to microservice "trips" \(shop\/trips\) matches exactly the requests of the earlier route "\/api\/trips" on "api.example.com".*Fix: give one of them a different host or path/);
    // a different host, a header or an exact match is a different route
    s.edge.route({ path: '/api/trips', host: 'm.example.com', to: s.trips });
    s.edge.route({ path: '/api/trips', host: 'api.example.com', headers: { 'x-canary': '1' }, to: s.trips });
    s.edge.route({ path: '/api/trips', host: 'api.example.com', pathMatch: arch.PathMatch.EXACT, to: s.trips });
  });

  test('a gRPC route to an HTTP service', () => {
    const s = setup();
    expect(() => s.edge.route({ to: s.trips, grpcService: 'rides.v1.Trips' }))
      .toThrow(/^\[shop\/edge\] route "\/" to microservice "trips" \(shop\/trips\) sets grpcService "rides.v1.Trips", but port 8080 of the target speaks "http", not gRPC\. Fix: remove grpcService for an HTTP service, or give the Microservice a gRPC port/);
  });

  test('an h2c backend on an engine that speaks HTTP/1.1 to upstreams', () => {
    const s = setup();
    const h2 = new arch.Microservice(s.shop, 'stream', { image: 'ghcr.io/acme/stream:1.0.0', protocol: arch.AppProtocol.HTTP2 });
    const kong = new arch.Gateway(s.shop, 'kong', { engine: arch.GatewayEngine.kong() });
    expect(() => kong.route({ path: '/s', to: h2 })).toThrow(/^\[shop\/kong\] route "\/s" to microservice "stream" .*: an h2c \(AppProtocol.HTTP2\) backend cannot be expressed by the Kong engine.*Fix:/);
    s.edge.route({ path: '/s', to: h2 }); // the Gateway API engine leaves the protocol to the Service's appProtocol
  });

  test('a path on a route to a gRPC service', () => {
    const s = setup();
    const grpc = new arch.Microservice(s.shop, 'dispatch', { image: 'ghcr.io/acme/dispatch:1.0.0', port: 9090, protocol: arch.AppProtocol.GRPC });
    expect(() => s.edge.route({ path: '/dispatch', to: grpc })).toThrow(/^\[shop\/edge\] route "\/dispatch" to microservice "dispatch" .*matched by service, not by path\. Fix: remove path/);
  });

  test('a policy the engine cannot express', () => {
    const s = setup();
    expect(() => s.edge.route({ path: '/a', to: s.trips, cacheTtl: Duration.seconds(10) }))
      .toThrow(/^\[shop\/edge\] route "\/a" to microservice "trips" \(shop\/trips\): cacheTtl cannot be expressed by the Gateway API engine \(.*\)\. Fix: drop cacheTtl/);
    const keys = arch.GatewayAuth.apiKey({ consumers: [{ name: 'acme', key: { secretName: 'acme-key', key: 'key' } }] });
    expect(() => s.edge.route({ path: '/b', to: s.trips, auth: keys })).toThrow(/: auth GatewayAuth.apiKey cannot be expressed by the Gateway API engine \(Envoy Gateway v1.2/);
    expect(() => new arch.Gateway(s.shop, 'edge2', { maxRequestBodyKibibytes: 64 })).toThrow(/^\[shop\/edge2\] maxRequestBodyKibibytes cannot be expressed by the Gateway API engine/);
  });

  test('a console exposed without authentication', () => {
    const s = setup();
    expect(() => s.edge.expose(s.stack.prometheus!, { host: 'prometheus.example.com', authentication: arch.ConsoleAuthentication.GATEWAY }))
      .toThrow(/^\[shop\/edge\] console "prometheus" is exposed with ConsoleAuthentication.GATEWAY but neither the expose options nor the gateway set an auth\. Fix: give it auth/);
    expect(() => s.edge.expose(s.stack.alertmanager!, { host: 'am.example.com', authentication: arch.ConsoleAuthentication.CONSOLE_LOGIN }))
      .toThrow(/^\[shop\/edge\] console "alertmanager" has no login of its own, so ConsoleAuthentication.CONSOLE_LOGIN would expose it to anyone\. Fix: use ConsoleAuthentication.GATEWAY with auth/);
    expect(() => s.edge.expose(s.stack.grafana!, { host: 'grafana.example.com' } as unknown as arch.ExposeOptions))
      .toThrow(/^\[shop\/edge\] console "grafana" is exposed without stating its authentication\. Fix:/);
    expect(() => s.edge.expose(s.stack.grafana!, { host: 'grafana.example.com', authentication: arch.ConsoleAuthentication.GATEWAY, auth: arch.GatewayAuth.none() }))
      .toThrow(/console "grafana" is exposed with ConsoleAuthentication.GATEWAY but/);
  });

  test('other malformed options', () => {
    const s = setup();
    expect(() => s.edge.route({ path: '/a', host: 'API.example.com', to: s.trips })).toThrow(/^\[shop\/edge\] route host "API.example.com" is not a DNS name\. Fix:/);
    expect(() => s.edge.route({ path: '/a', to: s.edge })).toThrow(/^\[shop\/edge\] a route targets the gateway itself/);
    expect(() => new arch.Gateway(s.shop, 'g1', { ipAllowList: ['10.0.0.0/33'] })).toThrow(/^\[shop\/g1\] ipAllowList entry "10.0.0.0\/33" is not a CIDR/);
    expect(() => new arch.Gateway(s.shop, 'g2', { cors: { allowOrigins: ['*'], allowCredentials: true } })).toThrow(/^\[shop\/g2\] cors allows credentials from the origin "\*"/);
    expect(() => s.edge.route({ path: '/b', to: s.trips, auth: arch.GatewayAuth.jwt({ issuer: 'https://id.example.com' }) }))
      .toThrow(/JWT issuer "https:\/\/id.example.com" has neither jwksUri nor publicKeyPem\. Fix:/);
    expect(() => s.edge.route({ path: '/c', to: s.trips, auth: arch.GatewayAuth.jwt({ issuer: 'x', jwksUri: 'http://id/jwks' }) }))
      .toThrow(/JWT jwksUri "http:\/\/id\/jwks" is not an https URL/);
    expect(() => s.edge.route({ path: '/d', to: s.trips, retries: { attempts: 0 } })).toThrow(/retries.attempts 0 is out of range/);
    expect(() => s.edge.route({ path: '/e', to: s.trips, requestHeaders: { set: { 'x-a': '1' }, remove: ['X-A'] } })).toThrow(/header "X-A" is both set and removed/);
    const rest = new arch.Gateway(s.shop, 'rest', { engine: arch.GatewayEngine.gatewayApi() });
    expect(() => s.edge.route({ path: '/f', to: rest })).toThrow(/^\[shop\/rest\] the gateway-api gateway has no Service of its own that another gateway could route to\. Fix:/);
  });
});
