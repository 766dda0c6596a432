/**
 * Every example applied to a real control plane (`npx projen test:cluster`; README "Testing
 * against a real control plane"). Each example, on each Kubernetes version, gets a control plane
 * of its own; it is applied in GitOps order and checked, and the control plane is stopped.
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
  let crds: Map<string, K8sObject>;
  let work: string;

  beforeAll(() => {
    crds = loadCrds(version);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-test-'));
  });

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  // Each example gets a control plane of its own (started in about 7 s): deleting an example's
  // namespaces took 30-60 s (the namespace controller's retries on the PVCs' protection finalizer),
  // and no example can see what the one before it left behind.
  test.each(CASES.map((c) => [c.name, c] as [string, ClusterCase]))('%s', async (name, c) => {
    const started = Date.now();
    // Progress on stderr as it happens (jest prints console output only after the test).
    const step = (what: string) => process.stderr.write(`[${version} ${name} +${((Date.now() - started) / 1000).toFixed(1)} s] ${what}\n`);
    const { byFile, objects } = c.synth();
    const dir = fs.mkdtempSync(path.join(work, 'example-'));
    const cp = await ControlPlane.start(version);
    const stopProvisioner = cp.startProvisioner();
    const startMs = Date.now() - started;
    step('control plane ready');
    try {
      await checkExample(cp, name, byFile, objects, dir, step, startMs, started);
    } finally {
      await stopProvisioner();
      await cp.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  async function checkExample(cp: ControlPlane, name: string, byFile: Map<string, K8sObject[]>, objects: K8sObject[],
    dir: string, step: (what: string) => void, startMs: number, started: number): Promise<void> {
    const installedCrds = new Set<string>();
    const problems: string[] = [];
    const kubectl = async (args: string[], what: string) => {
      const r = await cp.kubectl(args);
      const warnings = r.stderr.split('\n').filter((l) => /^Warning:/.test(l));
      if (r.code !== 0) problems.push(`${what}: kubectl exited ${r.code}: ${r.stderr.trim()}`);
      problems.push(...warnings.map((w) => `${what}: ${w}`));
      return r;
    };

    // 1. GitOps order (as Argo CD and Flux apply a set): every Namespace first, whichever file it is
    // in, then the CRDs the output uses, then everything else. One `kubectl apply` of all the files
    // would create a namespaced object before the Namespace of a later file exists.
    const namespaceFiles: string[] = [];
    const otherFiles: string[] = [];
    const namespaceObjects = objects.filter((o) => o.kind === 'Namespace');
    if (namespaceObjects.length > 0) {
      const target = path.join(dir, '00-namespaces.yaml');
      fs.writeFileSync(target, namespaceObjects.map((o) => yaml.dump(o, { noRefs: true })).join('---\n'));
      namespaceFiles.push(target);
    }
    for (const [file, objs] of byFile) {
      const rest = objs.filter((o) => o.kind !== 'Namespace');
      if (rest.length === 0) continue;
      const target = path.join(dir, file);
      fs.writeFileSync(target, rest.map((o) => yaml.dump(o, { noRefs: true })).join('---\n'));
      otherFiles.push(target);
    }
    const apply = (files: string[], what: string) => files.length === 0 ? Promise.resolve(undefined)
      : kubectl(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, ...files.flatMap((f) => ['-f', f])], what);
    // The live objects of the files (those that exist: a missing one is reported by step 2).
    const getLive = async (files: string[]): Promise<K8sObject[]> => {
      const r = await cp.kubectl(['get', '--ignore-not-found', '-o', 'json', ...files.flatMap((f) => ['-f', f])]);
      if (r.code !== 0) { problems.push(`kubectl get exited ${r.code}: ${r.stderr.trim()}`); return []; }
      if (r.stdout.trim() === '') return [];
      const parsed = JSON.parse(r.stdout);
      return parsed.kind === 'List' ? parsed.items ?? [] : [parsed];
    };
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

    step('applied');

    // 2. Every object is stored as written (nothing dropped or changed by the API server).
    const applied = objects.filter((o) => o.kind !== 'CustomResourceDefinition');
    const live = await getLive([...namespaceFiles, ...otherFiles]);
    const liveByRef = new Map(live.map((o) => [ref(o), o]));
    for (const o of applied) {
      const l = liveByRef.get(ref(o));
      if (!l) { problems.push(`${ref(o)}: not found after apply`); continue; }
      const { metadata, status, ...rest } = o as any;
      problems.push(...fieldsNotKept({ metadata: { labels: metadata.labels, annotations: metadata.annotations }, ...rest }, l).map((p) => `${ref(o)} ${p}`));
    }

    step('stored objects compared');

    // 3. Workloads reach their replicas, scheduled and running on the simulated nodes; Jobs complete.
    const namespaces = [...new Set(applied.map((o) => o.metadata.namespace).filter((n): n is string => !!n))];
    // (one missing after the apply is already reported: waiting for it would only take time)
    const workloads = applied.filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind) && liveByRef.has(ref(o)));
    // Jobs run to completion (kwok completes a Job's scheduled pods; the Job controller counts them).
    const jobs = applied.filter((o) => o.kind === 'Job' && liveByRef.has(ref(o)));
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
      for (const j of jobs) {
        const r = await cp.api('GET', `/apis/batch/v1/namespaces/${j.metadata.namespace}/jobs/${j.metadata.name}`);
        const complete = (r.body?.status?.conditions ?? []).some((x: any) => x.type === 'Complete' && x.status === 'True');
        if (!complete) pending.push(`${ref(j)}: not complete (${r.body?.status?.succeeded ?? 0} succeeded, ${r.body?.status?.failed ?? 0} failed)`);
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

    step(`${workloads.length} workloads, ${jobs.length} Jobs: ${pending.length} pending`);

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

    step('services, HPAs and PDBs checked');

    // 5. A second apply is a no-op: no diff, and nothing the apply owns moves. Controllers keep
    // writing status (the HPA controller updates its conditions on every resync, which bumps the
    // resourceVersion of an autoscaling/v2 HPA that has no metadata.generation on 1.28), so the
    // check compares what a second apply could change: the spec generation where the API server
    // keeps one, and otherwise the object without its status, its resourceVersion and the
    // managedFields entries of other managers (this field manager's entry, with its timestamp, stays
    // in: an apply that changed anything would move it).
    const owned = (o: any) => {
      const { status: _status, ...rest } = o;
      const { resourceVersion: _rv, managedFields = [], ...meta } = o.metadata ?? {};
      const mine = managedFields.filter((m: any) => m.manager === FIELD_MANAGER);
      return JSON.stringify({ ...rest, metadata: { ...meta, managedFields: mine } });
    };
    const versions = async () => {
      const items = await getLive([...namespaceFiles, ...otherFiles]);
      return new Map(items.map((o: any) => [ref(o), o.metadata.generation !== undefined ? `generation ${o.metadata.generation}` : owned(o)]));
    };
    const diff = await cp.kubectl(['diff', '--server-side', `--field-manager=${FIELD_MANAGER}`, ...otherFiles.flatMap((f) => ['-f', f])]);
    if (diff.code !== 0) problems.push(`a second apply would change objects (kubectl diff exit ${diff.code}):\n${(diff.stdout + diff.stderr).split('\n').slice(0, 60).join('\n')}`);
    const before = await versions();
    await apply([...namespaceFiles, ...otherFiles], 'second apply');
    const after = await versions();
    for (const [k, v] of before) {
      const w = after.get(k);
      if (w === v) continue;
      if (v.startsWith('generation ')) problems.push(`second apply changed ${k}: ${v} -> ${w}`);
      else problems.push(`second apply changed ${k}:\n  before ${v}\n  after  ${w}`);
    }

    step('second apply checked');

    // 6. Losing a zone keeps the majority of each quorum. The library gives a quorum (Raft, ZAB) a
    // PodDisruptionBudget with minAvailable = its majority and every other workload maxUnavailable 1;
    // where the real scheduler placed the pods, for each zone in turn: every minAvailable budget
    // keeps at least minAvailable pods in the other zones, and every Deployment or StatefulSet of 2 or
    // more replicas keeps a pod (the zone spread works). A maxUnavailable budget says nothing about a
    // zone outage (an involuntary disruption: 4 replicas over 3 zones always put 2 in one zone).
    const nodes = (await cp.api('GET', '/api/v1/nodes')).body.items ?? [];
    const zoneOf = new Map<string, string>(nodes.map((n: any) => [n.metadata.name, n.metadata.labels['topology.kubernetes.io/zone']]));
    const allPods = [...podsByNs.values()].flat().filter((p) => p.spec.nodeName);
    const readyPod = (p: any) => (p.status?.conditions ?? []).some((x: any) => x.type === 'Ready' && x.status === 'True');
    const survivors = (pods: any[], lostZone: string, selector: Record<string, string>, ns: string, nodeExists: (n: string) => boolean) =>
      pods.filter((p) => p.metadata.namespace === ns && p.spec.nodeName && nodeExists(p.spec.nodeName)
        && zoneOf.get(p.spec.nodeName) !== lostZone && readyPod(p) && matches(p.metadata.labels, selector)).length;
    const quorums = pdbs.filter((pdb) => typeof pdb.spec?.minAvailable === 'number');
    const zoneProblems = (pods: any[], zone: string, nodeExists: (n: string) => boolean) => {
      const found: string[] = [];
      for (const pdb of quorums) {
        const left = survivors(pods, zone, pdb.spec.selector?.matchLabels ?? {}, pdb.metadata.namespace, nodeExists);
        if (left < pdb.spec.minAvailable) found.push(`losing ${zone}: quorum PodDisruptionBudget ${pdb.metadata.namespace}/${pdb.metadata.name} keeps ${left} pods, below its minAvailable ${pdb.spec.minAvailable}`);
      }
      for (const w of workloads.filter((x) => x.kind !== 'DaemonSet' && (x.spec.replicas ?? 1) >= 2)) {
        const left = survivors(pods, zone, w.spec.selector.matchLabels ?? {}, w.metadata.namespace!, nodeExists);
        if (left === 0) found.push(`losing ${zone}: ${ref(w)} keeps none of its ${w.spec.replicas} pods`);
      }
      return found;
    };
    for (const zone of ZONES) problems.push(...zoneProblems(allPods, zone, () => true));
    // Then the busiest zone's nodes really go, and the live pods on the remaining nodes are counted again.
    const perZone = ZONES.map((z) => [z, allPods.filter((p) => zoneOf.get(p.spec.nodeName) === z).length] as [string, number]);
    const lost = perZone.sort((a, b) => b[1] - a[1])[0][0];
    await cp.deleteZone(lost);
    const remaining = new Set<string>(((await cp.api('GET', '/api/v1/nodes')).body.items ?? []).map((n: any) => n.metadata.name));
    if ([...remaining].some((n) => zoneOf.get(n) === lost)) problems.push(`the nodes of ${lost} were not deleted`);
    const livePods = (await Promise.all(namespaces.map(async (ns) => (await cp.api('GET', `/api/v1/namespaces/${ns}/pods`)).body.items ?? []))).flat();
    problems.push(...zoneProblems(livePods, lost, (n) => remaining.has(n)).map((p) => `after deleting its nodes: ${p}`));

    step('zone checked');

    const pods = allPods.length;
    timings.push(`${version} ${name}: ${((Date.now() - started) / 1000).toFixed(1)} s (control plane ${(startMs / 1000).toFixed(1)} s; ${applied.length} objects, ${pods} pods, ready in ${(readyMs / 1000).toFixed(1)} s; zone ${lost} removed)`);
    if (unknown.length > 0) problems.push(`kinds without a CRD in ../shared/crds: ${unknown.join(', ')}`);
    expect(problems).toEqual([]);
  }
});
