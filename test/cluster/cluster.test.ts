/**
 * Every example applied to a real control plane (`npx projen test:cluster`; README "Testing
 * against a real control plane"). One control plane per Kubernetes version; each example is applied
 * in GitOps order, checked, then deleted before the next.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { ClusterCase, clusterCases, groupKind, loadCrds } from './cases';
import { ControlPlane, K8S_VERSIONS, sleep, ZONES } from './control-plane';
import { K8sObject } from '../harness/synth';

const CASES = clusterCases();
const FIELD_MANAGER = 'cdk8s-architect-test';
/** How long an example's workloads may take to become ready. */
const READY_TIMEOUT_MS = 240_000;

jest.setTimeout(900_000);

const timings: string[] = [];
afterAll(() => {
  if (timings.length > 0) process.stdout.write(`\ncluster test times:\n${timings.map((t) => `  ${t}`).join('\n')}\n`);
});

/** A manifest field the live object does not have as written (dropped or changed by the API server). */
export function fieldsNotKept(manifest: unknown, live: unknown, at = ''): string[] {
  if (manifest === undefined) return [];
  if (Array.isArray(manifest)) {
    if (!Array.isArray(live)) return [`${at}: ${JSON.stringify(manifest)} is ${live === undefined ? 'not stored' : JSON.stringify(live)}`];
    if (manifest.length !== live.length) return [`${at}: ${manifest.length} items, stored ${live.length}`];
    return manifest.flatMap((m, i) => fieldsNotKept(m, live[i], `${at}[${i}]`));
  }
  if (manifest !== null && typeof manifest === 'object') {
    if (live === null || typeof live !== 'object') return [`${at}: ${JSON.stringify(manifest)} is ${live === undefined ? 'not stored' : JSON.stringify(live)}`];
    return Object.entries(manifest).flatMap(([k, v]) => fieldsNotKept(v, (live as any)[k], `${at}.${k}`));
  }
  if (manifest === live || String(manifest) === String(live)) return [];
  // Quantities are normalized by the API server (1000m -> 1, 1024Mi -> 1Gi): compare their values.
  if (quantity(manifest) !== undefined && quantity(manifest) === quantity(live)) return [];
  return [`${at}: ${JSON.stringify(manifest)} is stored as ${JSON.stringify(live)}`];
}

function quantity(v: unknown): number | undefined {
  const m = /^([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(String(v));
  if (!m) return undefined;
  const unit: Record<string, number> = { '': 1, 'm': 1e-3, 'k': 1e3, 'M': 1e6, 'G': 1e9, 'T': 1e12, 'Ki': 2 ** 10, 'Mi': 2 ** 20, 'Gi': 2 ** 30, 'Ti': 2 ** 40 };
  return Number(m[1]) * unit[m[2] ?? ''];
}

const ref = (o: K8sObject) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

describe.each(K8S_VERSIONS)('Kubernetes %s', (version) => {
  let cp: ControlPlane;
  let stopProvisioner: () => Promise<void> = async () => {};
  let crds: Map<string, K8sObject>;
  let work: string;
  const installedCrds = new Set<string>();

  beforeAll(async () => {
    const t = Date.now();
    cp = await ControlPlane.start(version);
    stopProvisioner = cp.startProvisioner();
    crds = loadCrds(version);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-test-'));
    timings.push(`${version}: control plane and ${ZONES.length} zones of nodes ready in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  });

  afterAll(async () => {
    await stopProvisioner();
    await cp?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test.each(CASES.map((c) => [c.name, c] as [string, ClusterCase]))('%s', async (name, c) => {
    const started = Date.now();
    const { byFile, objects } = c.synth();
    const dir = fs.mkdtempSync(path.join(work, 'example-'));
    const problems: string[] = [];
    const kubectl = async (args: string[], what: string) => {
      const r = await cp.kubectl(args);
      const warnings = r.stderr.split('\n').filter((l) => /^Warning:/.test(l));
      if (r.code !== 0) problems.push(`${what}: kubectl exited ${r.code}: ${r.stderr.trim()}`);
      problems.push(...warnings.map((w) => `${what}: ${w}`));
      return r;
    };

    // 1. GitOps order: namespaces, then the CRDs the output uses, then everything else.
    const namespaceFiles: string[] = [];
    const otherFiles: string[] = [];
    for (const [file, objs] of byFile) {
      const target = path.join(dir, file);
      fs.writeFileSync(target, objs.map((o) => yaml.dump(o, { noRefs: true })).join('---\n'));
      (objs.every((o) => o.kind === 'Namespace') ? namespaceFiles : otherFiles).push(target);
    }
    const apply = (files: string[], what: string) => files.length === 0 ? Promise.resolve(undefined)
      : kubectl(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, ...files.flatMap((f) => ['-f', f])], what);
    await apply(namespaceFiles, 'apply namespaces');
    const needed = [...new Set(objects.map(groupKind))].filter((gk) => crds.has(gk) && !installedCrds.has(gk));
    const unknown = [...new Set(objects.map(groupKind))].filter((gk) => {
      const group = gk.split('/')[0];
      return group.includes('.') && !group.endsWith('.k8s.io') && !crds.has(gk);
    });
    if (needed.length > 0) {
      const crdFile = path.join(dir, 'crds.yaml');
      fs.writeFileSync(crdFile, needed.map((gk) => yaml.dump(crds.get(gk), { noRefs: true })).join('---\n'));
      await apply([crdFile], 'apply CRDs');
      await kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...needed.map((gk) => `crd/${crds.get(gk)!.metadata.name}`)], 'CRDs established');
      needed.forEach((gk) => installedCrds.add(gk));
    }
    await apply(otherFiles, 'apply');

    // 2. Every object is stored as written (nothing dropped or changed by the API server).
    const applied = objects.filter((o) => o.kind !== 'CustomResourceDefinition');
    const liveList = await cp.kubectl(['get', '-o', 'json', ...[...namespaceFiles, ...otherFiles].flatMap((f) => ['-f', f])]);
    const live: K8sObject[] = liveList.code === 0 ? (JSON.parse(liveList.stdout).items ?? [JSON.parse(liveList.stdout)]) : [];
    const liveByRef = new Map(live.map((o) => [ref(o), o]));
    for (const o of applied) {
      const l = liveByRef.get(ref(o));
      if (!l) { problems.push(`${ref(o)}: not found after apply`); continue; }
      const { metadata, status, ...rest } = o as any;
      problems.push(...fieldsNotKept({ metadata: { labels: metadata.labels, annotations: metadata.annotations }, ...rest }, l).map((p) => `${ref(o)} ${p}`));
    }

    // 3. Workloads reach their replicas, scheduled and running on the simulated nodes.
    const namespaces = [...new Set(applied.map((o) => o.metadata.namespace).filter((n): n is string => !!n))];
    const workloads = applied.filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind));
    const notReady = async () => {
      const pending: string[] = [];
      for (const w of workloads) {
        const group = w.kind === 'Deployment' || w.kind === 'StatefulSet' || w.kind === 'DaemonSet' ? 'apis/apps/v1' : '';
        const r = await cp.api('GET', `/${group}/namespaces/${w.metadata.namespace}/${w.kind.toLowerCase()}s/${w.metadata.name}`);
        const s = r.body?.status ?? {};
        if (w.kind === 'DaemonSet') {
          if (!(s.desiredNumberScheduled > 0 && s.numberReady === s.desiredNumberScheduled)) pending.push(`${ref(w)}: ${s.numberReady ?? 0}/${s.desiredNumberScheduled ?? 0} ready`);
        } else if (!((s.readyReplicas ?? 0) === r.body?.spec?.replicas && s.observedGeneration === r.body?.metadata?.generation)) {
          pending.push(`${ref(w)}: ${s.readyReplicas ?? 0}/${r.body?.spec?.replicas} ready`);
        }
      }
      return pending;
    };
    const readyStart = Date.now();
    let pending = await notReady();
    while (pending.length > 0 && Date.now() - readyStart < READY_TIMEOUT_MS) {
      await sleep(2000);
      pending = await notReady();
    }
    if (pending.length > 0) {
      problems.push(...pending.map((p) => `not ready: ${p}`));
      for (const ns of namespaces) {
        const pods = await cp.api('GET', `/api/v1/namespaces/${ns}/pods?fieldSelector=status.phase%3DPending`);
        for (const p of (pods.body.items ?? []).slice(0, 5)) {
          const cond = (p.status?.conditions ?? []).find((x: any) => x.type === 'PodScheduled');
          problems.push(`  pending pod ${ns}/${p.metadata.name}: ${cond?.message ?? 'no scheduling condition'}`);
        }
        const events = await cp.api('GET', `/api/v1/namespaces/${ns}/events?fieldSelector=type%3DWarning`);
        for (const e of (events.body.items ?? []).slice(0, 5)) problems.push(`  event ${ns} ${e.involvedObject.kind}/${e.involvedObject.name}: ${e.reason}: ${e.message}`);
      }
    }
    const readyMs = Date.now() - readyStart;

    // 4. Services select pods; HPAs can scale their targets; PDBs select pods and allow a disruption.
    const podsByNs = new Map<string, any[]>();
    for (const ns of namespaces) podsByNs.set(ns, (await cp.api('GET', `/api/v1/namespaces/${ns}/pods`)).body.items ?? []);
    const matches = (labels: Record<string, string> | undefined, selector: Record<string, string>) =>
      Object.entries(selector).every(([k, v]) => labels?.[k] === v);
    for (const svc of applied.filter((o) => o.kind === 'Service' && o.spec?.selector)) {
      const pods = (podsByNs.get(svc.metadata.namespace!) ?? []).filter((p) => matches(p.metadata.labels, svc.spec.selector));
      if (pods.length === 0) problems.push(`${ref(svc)} selects no pod`);
    }
    // An HPA can scale when it finds its target's scale subresource (no metrics server runs here,
    // so ScalingActive stays False; AbleToScale is what a wrong target breaks).
    for (const hpa of applied.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
      let able: any;
      const hpaStart = Date.now();
      do {
        const r = await cp.api('GET', `/apis/autoscaling/v2/namespaces/${hpa.metadata.namespace}/horizontalpodautoscalers/${hpa.metadata.name}`);
        able = (r.body.status?.conditions ?? []).find((x: any) => x.type === 'AbleToScale');
        if (able?.status !== 'True') await sleep(1000);
      } while (able?.status !== 'True' && Date.now() - hpaStart < 60_000);
      if (able?.status !== 'True') problems.push(`${ref(hpa)}: AbleToScale is ${able?.status ?? 'not reported'}: ${able?.message ?? ''}`);
    }
    const pdbs: any[] = [];
    for (const pdb of applied.filter((o) => o.kind === 'PodDisruptionBudget')) {
      const r = await cp.api('GET', `/apis/policy/v1/namespaces/${pdb.metadata.namespace}/poddisruptionbudgets/${pdb.metadata.name}`);
      pdbs.push(r.body);
      const s = r.body.status ?? {};
      if (!(s.expectedPods > 0)) problems.push(`${ref(pdb)} selects no pod`);
      else if (!(s.disruptionsAllowed >= 1)) problems.push(`${ref(pdb)} allows no voluntary disruption (${s.currentHealthy}/${s.expectedPods} healthy, ${s.desiredHealthy} desired): a node drain would hang`);
    }

    // 5. A second apply is a no-op: no diff, and no object's spec generation or version moves.
    const versions = async () => {
      const r = await cp.kubectl(['get', '-o', 'json', ...[...namespaceFiles, ...otherFiles].flatMap((f) => ['-f', f])]);
      const items: K8sObject[] = r.code === 0 ? JSON.parse(r.stdout).items ?? [] : [];
      return new Map(items.map((o: any) => [ref(o), o.metadata.generation !== undefined ? `generation ${o.metadata.generation}` : `resourceVersion ${o.metadata.resourceVersion}`]));
    };
    const diff = await cp.kubectl(['diff', '--server-side', `--field-manager=${FIELD_MANAGER}`, ...otherFiles.flatMap((f) => ['-f', f])]);
    if (diff.code !== 0) problems.push(`a second apply would change objects (kubectl diff exit ${diff.code}):\n${(diff.stdout + diff.stderr).split('\n').slice(0, 60).join('\n')}`);
    const before = await versions();
    await apply([...namespaceFiles, ...otherFiles], 'second apply');
    const after = await versions();
    for (const [k, v] of before) if (after.get(k) !== v) problems.push(`second apply changed ${k}: ${v} -> ${after.get(k)}`);

    // 6. Losing a zone keeps the majority of each quorum: for the zone holding most pods, every PDB
    // keeps at least its desired healthy pods, and every StatefulSet of 3 or more a majority.
    const nodes = (await cp.api('GET', '/api/v1/nodes')).body.items ?? [];
    const zoneOf = new Map<string, string>(nodes.map((n: any) => [n.metadata.name, n.metadata.labels['topology.kubernetes.io/zone']]));
    const allPods = [...podsByNs.values()].flat().filter((p) => p.spec.nodeName);
    const perZone = ZONES.map((z) => [z, allPods.filter((p) => zoneOf.get(p.spec.nodeName) === z).length] as [string, number]);
    const lost = perZone.sort((a, b) => b[1] - a[1])[0][0];
    await cp.deleteZone(lost);
    const survivors = (selector: Record<string, string>, ns: string) =>
      (podsByNs.get(ns) ?? []).filter((p) => p.spec.nodeName && zoneOf.get(p.spec.nodeName) !== lost && matches(p.metadata.labels, selector)).length;
    for (const pdb of pdbs) {
      const selector = pdb.spec?.selector?.matchLabels ?? {};
      const left = survivors(selector, pdb.metadata.namespace);
      if (left < (pdb.status?.desiredHealthy ?? 0)) problems.push(`losing ${lost}: PodDisruptionBudget ${pdb.metadata.namespace}/${pdb.metadata.name} keeps ${left} pods, below its ${pdb.status?.desiredHealthy} desired healthy`);
    }
    for (const sts of workloads.filter((w) => w.kind === 'StatefulSet' && (w.spec.replicas ?? 1) >= 3)) {
      const left = survivors(sts.spec.selector.matchLabels ?? {}, sts.metadata.namespace!);
      const majority = Math.floor(sts.spec.replicas / 2) + 1;
      if (left < majority) problems.push(`losing ${lost}: ${ref(sts)} keeps ${left} of ${sts.spec.replicas} members, no majority`);
    }
    // The surviving pods stay ready after the zone is gone (the API server and controllers agree).
    await sleep(3000);
    await cp.createNodes([lost]);

    // 7. Clean up for the next example: delete what was applied, then the volumes of its claims.
    await cp.kubectl(['delete', '--ignore-not-found', '--wait=true', '--timeout=180s', ...[...otherFiles, ...namespaceFiles].flatMap((f) => ['-f', f])], 200_000);
    for (const ns of namespaces) await cp.api('DELETE', `/api/v1/persistentvolumes?labelSelector=cluster-test%2Fclaim-namespace%3D${ns}`);
    fs.rmSync(dir, { recursive: true, force: true });

    const pods = allPods.length;
    timings.push(`${version} ${name}: ${((Date.now() - started) / 1000).toFixed(1)} s (${applied.length} objects, ${pods} pods, ready in ${(readyMs / 1000).toFixed(1)} s; zone ${lost} removed)`);
    if (unknown.length > 0) problems.push(`kinds without a CRD in ../shared/crds: ${unknown.join(', ')}`);
    expect(problems).toEqual([]);
  });
});
