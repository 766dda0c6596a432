import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import * as yaml from 'js-yaml';
import * as arch from '../src';
import { crdViolations } from './harness/crd-schema';
import { find, newTestApp, one, synthApp, SynthResult, tmpDir } from './harness/synth';
import { YAML_WRITER_ENV } from '../src/internal/component-chart';

const IMAGE = (n: string) => `ghcr.io/acme/${n}:1.0.0`;

/** A small shop: two services, Secrets and a ConfigMap read from outside, a Gateway API gateway (custom resources). */
function shop(app: App, gitops?: arch.GitOpsOptions): arch.BackendArchitecture {
  const a = new arch.BackendArchitecture(app, 'shop', { profile: arch.Profile.DEVELOPMENT, gitops });
  const edge = new arch.Gateway(a, 'edge', {
    engine: arch.GatewayEngine.gatewayApi({ gatewayClassName: 'eg' }),
    tls: { secretName: 'edge-tls' },
    auth: arch.GatewayAuth.jwt({ issuer: 'https://id.example.com', jwksUri: 'https://id.example.com/jwks' }),
  });
  const orders = new arch.Microservice(a, 'orders', {
    image: IMAGE('orders'),
    context: 'ordering',
    env: {
      DB_PASSWORD: arch.EnvValue.fromSecret({ secretName: 'orders-db', key: 'password' }),
      DB_USER: arch.EnvValue.fromSecret({ secretName: 'orders-db', key: 'username' }),
      FEATURES: arch.EnvValue.fromConfigMap({ configMapName: 'orders-features', key: 'flags' }),
    },
  });
  const payments = new arch.Microservice(a, 'payments', {
    image: IMAGE('payments'),
    context: 'payments',
    env: { PSP_KEY: arch.EnvValue.fromSecret({ secretName: 'psp', key: 'api-key' }) },
  });
  orders.uses(payments);
  edge.route({ path: '/orders', to: orders });
  return a;
}

function synth(gitops?: arch.GitOpsOptions): { out: SynthResult; dir: string } {
  const app = newTestApp();
  shop(app, gitops);
  const out = synthApp(app);
  return { out, dir: app.outdir };
}

const read = (dir: string, ...p: string[]) => yaml.load(fs.readFileSync(path.join(dir, ...p), 'utf8')) as any;

describe('the output tree', () => {
  const { dir } = synth();

  test('one folder per component with its manifest and a kustomization.yaml', () => {
    const folders = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    expect(folders).toEqual(['shop-edge', 'shop-namespaces', 'shop-orders', 'shop-payments']);
    for (const f of folders) {
      expect(fs.readdirSync(path.join(dir, f)).sort()).toEqual([`${f}.k8s.yaml`, 'kustomization.yaml'].sort());
      expect(read(dir, f, 'kustomization.yaml')).toEqual({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [`${f}.k8s.yaml`] });
    }
  });

  test('the root kustomization.yaml lists the namespaces first and components with custom resources last', () => {
    expect(read(dir, 'kustomization.yaml').resources).toEqual(['shop-namespaces', 'shop-orders', 'shop-payments', 'shop-edge']);
  });

  test('the secrets inventory: namespace, name, keys, users and how to create each, ConfigMaps included', () => {
    const inv = read(dir, 'shop-secrets.yaml');
    expect(inv.architecture).toBe('shop');
    const orders = inv.secrets.find((s: any) => s.name === 'orders-db');
    expect(orders).toEqual({
      namespace: 'ordering',
      name: 'orders-db',
      type: 'Opaque',
      keys: ['password', 'username'],
      everyKey: false,
      usedBy: [{ folder: 'shop-orders', kind: 'Deployment', name: 'orders' }],
      create: 'kubectl create secret generic orders-db --namespace ordering --from-literal=password=<value> --from-literal=username=<value>',
    });
    expect(inv.secrets.map((s: any) => `${s.namespace}/${s.name}`)).toEqual(expect.arrayContaining(['ordering/orders-db', 'payments/psp']));
    expect(inv.configMaps).toEqual([{
      namespace: 'ordering',
      name: 'orders-features',
      keys: ['flags'],
      everyKey: false,
      usedBy: [{ folder: 'shop-orders', kind: 'Deployment', name: 'orders' }],
      create: 'kubectl create configmap orders-features --namespace ordering --from-literal=flags=<value>',
    }]);
  });

  test('is byte-identical when synthesized again', () => {
    const again = synth().dir;
    for (const f of ['kustomization.yaml', 'shop-secrets.yaml', path.join('shop-orders', 'kustomization.yaml')]) {
      expect(fs.readFileSync(path.join(again, f), 'utf8')).toBe(fs.readFileSync(path.join(dir, f), 'utf8'));
    }
  });
});

describe('Argo CD', () => {
  test('an Application per component, in sync waves, automated sync with prune and self-heal as options', () => {
    const { out, dir } = synth({ argoCd: { repoUrl: 'https://git.example.com/shop.git', path: 'deploy', prune: true } });
    const apps = find(out.objects, 'Application');
    expect(apps.map((a) => [a.metadata.name, a.metadata.annotations?.['argocd.argoproj.io/sync-wave']])).toEqual([
      ['shop-namespaces', '0'], ['shop-orders', '2'], ['shop-payments', '2'], ['shop-edge', '3'],
    ]);
    const events = one(out.objects, 'Application', 'shop-edge', 'argocd');
    expect(events.spec).toEqual({
      project: 'default',
      source: { repoURL: 'https://git.example.com/shop.git', targetRevision: 'HEAD', path: 'deploy/shop-edge' },
      destination: { server: 'https://kubernetes.default.svc' },
      syncPolicy: { automated: { prune: true, selfHeal: false }, syncOptions: ['SkipDryRunOnMissingResource=true'] },
    });
    expect(one(out.objects, 'Application', 'shop-orders').spec.syncPolicy).toEqual({ automated: { prune: true, selfHeal: false } });
    for (const a of apps) expect(crdViolations(a)).toEqual([]);
    // the delivery folder is not part of the root kustomization (Argo CD would manage itself)
    expect(read(dir, 'kustomization.yaml').resources).not.toContain('shop-argocd');
    expect(fs.existsSync(path.join(dir, 'shop-argocd', 'kustomization.yaml'))).toBe(true);
  });

  test('manual sync', () => {
    const { out } = synth({ argoCd: { repoUrl: 'https://git.example.com/shop.git', automatedSync: false } });
    expect(one(out.objects, 'Application', 'shop-orders').spec.syncPolicy).toEqual({});
    expect(() => synth({ argoCd: { repoUrl: 'https://git.example.com/shop.git', automatedSync: false, selfHeal: true } })).toThrow(/prune and selfHeal apply to automated sync/);
  });

  test('an ApplicationSet over the folders, its RollingSync steps in wave order', () => {
    const { out } = synth({ argoCd: { repoUrl: 'https://git.example.com/shop.git', mode: arch.ArgoCdMode.APPLICATION_SET, selfHeal: true } });
    expect(find(out.objects, 'Application')).toEqual([]);
    const set = one(out.objects, 'ApplicationSet', 'shop', 'argocd');
    expect(set.spec.generators[0].list.elements).toEqual([
      { folder: 'shop-namespaces', wave: '0' }, { folder: 'shop-orders', wave: '2' }, { folder: 'shop-payments', wave: '2' }, { folder: 'shop-edge', wave: '3' },
    ]);
    expect(set.spec.strategy.rollingSync.steps.map((s: any) => s.matchExpressions[0].values)).toEqual([['0'], ['2'], ['3']]);
    expect(set.spec.template.spec.source.path).toBe('{{.folder}}');
    expect(set.spec.template.spec.syncPolicy.automated).toEqual({ prune: false, selfHeal: true });
    expect(crdViolations(set)).toEqual([]);
  });
});

describe('Flux', () => {
  test('a GitRepository and a Kustomization per component, each depending on the namespaces and the CRDs\' owners', () => {
    const { out } = synth({
      flux: { url: 'ssh://git@git.example.com/shop.git', path: 'deploy', secretName: 'git-auth', crdOwners: [{ name: 'envoy-gateway', apiGroups: ['gateway.networking.k8s.io'] }] },
    });
    const repo = one(out.objects, 'GitRepository', 'shop', 'flux-system');
    expect(repo.spec).toEqual({ url: 'ssh://git@git.example.com/shop.git', interval: '10m', ref: { branch: 'main' }, secretRef: { name: 'git-auth' } });
    const ks = find(out.objects, 'Kustomization').filter((k) => k.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/'));
    expect(ks.map((k) => [k.metadata.name, (k.spec.dependsOn ?? []).map((d: any) => d.name)])).toEqual([
      ['shop-namespaces', []], ['shop-orders', ['shop-namespaces']], ['shop-payments', ['shop-namespaces']], ['shop-edge', ['shop-namespaces', 'envoy-gateway']],
    ]);
    expect(ks[0].spec).toEqual({ interval: '10m', path: './deploy/shop-namespaces', prune: true, sourceRef: { kind: 'GitRepository', name: 'shop' }, wait: true });
    for (const o of [repo, ...ks]) expect(crdViolations(o)).toEqual([]);
  });
});

describe('External Secrets Operator', () => {
  test('an ExternalSecret per external Secret, after the namespaces and before the components', () => {
    const { out, dir } = synth({
      externalSecrets: { storeName: 'vault', storeKind: arch.SecretStoreKind.SECRET_STORE, remoteKeyPrefix: 'prod/' },
      flux: { url: 'https://git.example.com/shop.git' },
    });
    const es = find(out.objects, 'ExternalSecret');
    expect(es.map((e) => `${e.metadata.namespace}/${e.metadata.name}`)).toEqual(read(dir, 'shop-secrets.yaml').secrets.map((s: any) => `${s.namespace}/${s.name}`));
    expect(one(out.objects, 'ExternalSecret', 'orders-db', 'ordering').spec).toEqual({
      refreshInterval: '1h',
      secretStoreRef: { name: 'vault', kind: 'SecretStore' },
      target: { name: 'orders-db', creationPolicy: 'Owner' },
      data: [
        { secretKey: 'password', remoteRef: { key: 'prod/ordering/orders-db', property: 'password' } },
        { secretKey: 'username', remoteRef: { key: 'prod/ordering/orders-db', property: 'username' } },
      ],
    });
    for (const e of es) expect(crdViolations(e)).toEqual([]);
    expect(read(dir, 'kustomization.yaml').resources.slice(0, 2)).toEqual(['shop-namespaces', 'shop-external-secrets']);
    expect(one(out.objects, 'Kustomization', 'shop-orders').spec.dependsOn).toEqual([{ name: 'shop-namespaces' }, { name: 'shop-external-secrets' }]);
  });
});

test('options are checked', () => {
  expect(() => synth({ argoCd: { repoUrl: '' } })).toThrow(/gitops.argoCd.repoUrl is empty/);
  expect(() => synth({ flux: { url: 'https://x', crdOwners: [{ name: 'op', apiGroups: [] }] } })).toThrow(/crdOwners "op" has no apiGroups/);
  expect(() => synth({ externalSecrets: { storeName: '' } })).toThrow(/storeName is empty/);
});

describe.each(['architect', 'cdk8s'])('under a Helm chart (cdk8s synth --format helm), YAML writer %s', (writer) => {
  const saved = process.env[YAML_WRITER_ENV];
  afterAll(() => {
    if (saved === undefined) delete process.env[YAML_WRITER_ENV];
    else process.env[YAML_WRITER_ENV] = saved;
  });

  test('manifests with {{ escaped in templates/, the inventory and diagram beside it, no kustomization.yaml', () => {
    process.env[YAML_WRITER_ENV] = writer;
    const chart = path.join(tmpDir('gitops-helm-'), 'chart');
    fs.mkdirSync(chart);
    fs.writeFileSync(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: shop\nversion: 1.0.0\n');
    const app = new App({ outdir: path.join(chart, 'templates') });
    shop(app, { argoCd: { repoUrl: 'https://git.example.com/deploy.git', mode: arch.ArgoCdMode.APPLICATION_SET } });
    app.synth();
    expect(fs.readdirSync(app.outdir).sort()).toEqual(['shop-argocd', 'shop-edge', 'shop-namespaces', 'shop-orders', 'shop-payments']);
    expect(fs.readdirSync(chart).sort()).toEqual(['Chart.yaml', 'shop-secrets.yaml', 'shop.mmd', 'templates']);
    for (const f of fs.readdirSync(app.outdir)) expect(fs.readdirSync(path.join(app.outdir, f))).toEqual([`${f}.k8s.yaml`]);
    const text = fs.readFileSync(path.join(app.outdir, 'shop-argocd', 'shop-argocd.k8s.yaml'), 'utf8');
    expect(text).toContain('name: "{{ "{{" }}.folder}}"');
    expect(text.replace(/\{\{ "\{\{" \}\}/g, '')).not.toContain('{{');
  });
});
