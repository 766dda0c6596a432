import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { ObservabilityStack } from './observability-stack';
import type { DeployedPillar, PillarImpl } from './pillar-impl';
import { IMetricsBackend, MetricsKind } from './pillars';
import { ZabbixOptions } from './zabbix-options';
import type { BackendArchitecture } from '../architecture/backend-architecture';
import { IWorkload, NetworkPort, Protocol, SecretKeyReference } from '../architecture/binding';
import { WorkloadController } from '../architecture/extension';
import { PodSecurityLevel } from '../architecture/pod-security';
import { Profile } from '../architecture/profile';
import { fail, show } from '../internal/errors';
import { ANNOTATION_EXTERNAL_SECRETS, recommendedLabels, selectorLabels, WorkloadIdentityLabels } from '../internal/labels';
import { MYSQL_DEFAULT_IMAGE, MYSQL_PORT, MySqlDatabase, resolveMySqlBackup } from '../internal/mysql';
import { objectName, validateDnsLabel, validateImage, validateInteger } from '../internal/names';
import { WorkloadNetworkPolicy } from '../internal/network';
import { secureContainer, securePodSpec } from '../internal/pod';
import { resolveResources } from '../internal/profile-defaults';
import { StatefulCluster } from '../internal/stateful-cluster';
import { StatelessWorkload } from '../internal/stateless-workload';
import { registerWorkload } from '../internal/workload-registration';

const k8s = kplus.k8s;

/** Zabbix 7.0 LTS images (zabbix/zabbix-docker; the tag of the zabbix-community/helm-zabbix 7.0.12 chart). */
export const ZABBIX_SERVER_IMAGE = 'zabbix/zabbix-server-mysql:ubuntu-7.0.16';
export const ZABBIX_WEB_IMAGE = 'zabbix/zabbix-web-nginx-mysql:ubuntu-7.0.16';
export const ZABBIX_AGENT_IMAGE = 'zabbix/zabbix-agent2:ubuntu-7.0.16';

/** The `zabbix` user of every official image (`useradd --uid 1997`, `USER 1997`). */
const UID = 1997;
/** Server trapper: frontend, active agent checks. */
const TRAPPER_PORT = 10051;
/** Agent: passive checks (server -> agent). */
const AGENT_PORT = 10050;
/** Frontend HTTP (nginx, non-root). */
const WEB_PORT = 8080;
const DB_NAME = 'zabbix';
const DB_USER = 'zabbix';
const TIMEZONE = /^(UTC|[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){1,2})$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]{1,253}$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const AGENTS_REASON = 'Zabbix agent 2 monitors its node: it needs the host network (interfaces, node address for passive checks), '
  + 'the host PID namespace (process items) and the host root filesystem read-only (filesystem items); '
  + 'baseline forbids host namespaces and hostPath volumes. The container itself runs non-root, without capabilities, read-only.';

const tcp = (port: number): NetworkPort => ({ port, protocol: Protocol.TCP });

/**
 * Copies directories of the image that the entrypoint rewrites (`sed -i`, `ln -s`) into emptyDirs
 * mounted over them, so the root filesystem stays read-only. `cp -a` keeps symlinks such as
 * nginx's error.log -> /dev/fd/2.
 */
function copyInit(image: string, dirs: Array<{ path: string; volume: string }>): kplus.k8s.Container {
  return secureContainer({
    name: 'copy-config',
    image,
    command: ['/bin/sh', '-c', dirs.map((d) => `cp -a ${d.path}/. /rw/${d.volume}/`).join(' && ')],
    resources: { cpuRequestMillis: 10, cpuLimitMillis: 200, memoryRequestMebibytes: 16, memoryLimitMebibytes: 64 },
    volumeMounts: dirs.map((d) => ({ name: d.volume, mountPath: `/rw/${d.volume}` })),
  });
}

function emptyDir(name: string, mebibytes: number): kplus.k8s.Volume {
  return { name, emptyDir: { sizeLimit: k8s.Quantity.fromString(`${mebibytes}Mi`) } };
}

function validateSecretRef(scope: Construct, what: string, ref: SecretKeyReference): SecretKeyReference {
  validateDnsLabel(scope, `${what}.secretName`, ref.secretName);
  if (!SECRET_KEY.test(ref.key)) {
    fail(scope, `${what}.key ${show(ref.key)} is not a valid Secret key`, 'use at most 253 letters, digits, "-", "_" or "."');
  }
  return ref;
}

/**
 * The agents' pods (a DaemonSet on the host network): an IWorkload so the server's NetworkPolicy
 * and theirs are wired like any other edge. Kubernetes does not apply NetworkPolicies to
 * host-network pods, and their traffic carries node addresses; see the server's extra policy.
 */
class ZabbixAgents extends Construct implements IWorkload {
  public readonly componentName: string;
  public readonly serviceAccountName: string;
  private readonly selector: Record<string, string>;
  private readonly policy: WorkloadNetworkPolicy;

  constructor(scope: Construct, id: string, public readonly architecture: BackendArchitecture, public readonly namespace: string,
    name: string, identity: WorkloadIdentityLabels, chart: Construct) {
    super(scope, id);
    this.componentName = identity.name;
    this.serviceAccountName = name;
    this.selector = selectorLabels(identity);
    this.policy = new WorkloadNetworkPolicy(chart, `${id}-network-policy`, { name, namespace, identity, podSelector: this.selector });
    registerWorkload({ workload: this, controller: WorkloadController.DAEMON_SET, kind: 'zabbix-agent', ports: [], hostNetwork: true });
  }

  public get podSelector(): { [key: string]: string } {
    return { ...this.selector };
  }

  public allowIngressFrom(peer: IWorkload, ports: NetworkPort[]): void {
    this.policy.allowFrom(peer, ports);
    this.architecture._recordConnection({ consumer: peer, provider: this, ports });
  }

  public allowEgressTo(peer: IWorkload, ports: NetworkPort[]): void {
    this.policy.allowTo(peer, ports);
  }
}

/**
 * Zabbix as the metrics pillar: server (StatefulSet of one), nginx frontend (Deployment), agent 2
 * on every node (DaemonSet in its own privileged namespace), on a generated MySQL.
 *
 * Verified against zabbix/zabbix-docker (Dockerfiles/{server-mysql,web-nginx-mysql,agent2}/ubuntu):
 * uid 1997; the entrypoints rewrite /etc/zabbix (and the frontend /etc/nginx) with `sed -i` at
 * every start; the server's entrypoint creates the schema from create.sql.gz when the `dbversion`
 * table is missing (no variable controls it) as the MySQL user it is given (the root user only
 * when MYSQL_ROOT_PASSWORD is set, which is not the case here: the database and its grant come from
 * the MySQL init script); the frontend reads DB and server settings from MYSQL_* / DB_SERVER_* /
 * ZBX_SERVER_* / PHP_TZ; the agent writes `Server=$ZBX_SERVER_HOST` and
 * `ServerActive=$ZBX_SERVER_HOST:$ZBX_SERVER_PORT`, `Hostname=$ZBX_HOSTNAME`. Zabbix docs (database
 * creation): importing the schema's triggers without SUPER while binary logging is on needs
 * `log_bin_trust_function_creators=1`. Assumed: the 7.0 images keep the writable paths of the
 * files read (PHP-FPM socket and nginx temp paths in /tmp; supervisord writes nothing outside /tmp).
 */
export class ZabbixMetrics implements IMetricsBackend, PillarImpl {
  public readonly kind = MetricsKind.ZABBIX;

  constructor(private readonly options: ZabbixOptions = {}) {}

  public _deploy(stack: ObservabilityStack): DeployedPillar {
    const o = this.options;
    const arch = stack.architecture;
    const prod = arch.profile === Profile.PRODUCTION;
    const ns = stack.namespace;

    // ---- validation (everything before any object is created)
    const serverImage = o.serverImage ?? ZABBIX_SERVER_IMAGE;
    const webImage = o.webImage ?? ZABBIX_WEB_IMAGE;
    const agentImage = o.agentImage ?? ZABBIX_AGENT_IMAGE;
    const dbImage = o.databaseImage ?? MYSQL_DEFAULT_IMAGE;
    for (const image of [serverImage, webImage, agentImage, dbImage]) validateImage(stack, image);
    const timezone = o.timezone ?? 'UTC';
    if (!TIMEZONE.test(timezone)) {
      fail(stack, `timezone ${show(timezone)} is not an IANA time zone name`, 'use "UTC" or an Area/Location name such as "Europe/Riga"');
    }
    const webReplicas = validateInteger(stack, 'webReplicas', o.webReplicas ?? (prod ? 2 : 1), 1, 20, 'use 1 to 20 frontend replicas (2 in production)');
    const dbSecret = `${stack.componentName}-zabbix-db`;
    const rootPassword = validateSecretRef(stack, 'databaseRootPasswordSecret', o.databaseRootPasswordSecret ?? { secretName: dbSecret, key: 'root-password' });
    const userPassword = validateSecretRef(stack, 'databasePasswordSecret', o.databasePasswordSecret ?? { secretName: dbSecret, key: 'password' });
    const storage = validateInteger(stack, 'databaseStorageGibibytes', o.databaseStorageGibibytes ?? (prod ? 50 : 2), 1, 65536, 'use a whole number of GiB');
    if (o.storageClassName !== undefined && !DNS_SUBDOMAIN.test(o.storageClassName)) {
      fail(stack, `storageClassName ${show(o.storageClassName)} is not a valid StorageClass name`, 'use a DNS subdomain name such as "standard" or "gp3"');
    }
    const serverResources = resolveResources(stack, arch.profile, o.serverResources, prod
      ? { cpuRequestMillis: 500, cpuLimitMillis: 2000, memoryRequestMebibytes: 1024, memoryLimitMebibytes: 2048 }
      : { cpuRequestMillis: 100, cpuLimitMillis: 1000, memoryRequestMebibytes: 256, memoryLimitMebibytes: 512 });
    const webResources = resolveResources(stack, arch.profile, o.webResources, prod
      ? { cpuRequestMillis: 250, cpuLimitMillis: 1000, memoryRequestMebibytes: 256, memoryLimitMebibytes: 1024 }
      : { cpuRequestMillis: 50, cpuLimitMillis: 500, memoryRequestMebibytes: 128, memoryLimitMebibytes: 512 });
    const agentResources = resolveResources(stack, arch.profile, o.agentResources,
      { cpuRequestMillis: 20, cpuLimitMillis: 200, memoryRequestMebibytes: 64, memoryLimitMebibytes: 128 });
    const hostMonitoring = o.hostMonitoring ?? true;
    const agentsNamespace = hostMonitoring ? objectName(stack, ns, 'zabbix-agents') : undefined;

    // ---- namespaces and the pillar's output file
    arch.addNamespace(stack, ns);
    if (agentsNamespace) arch.addNamespace(stack, agentsNamespace, { podSecurity: PodSecurityLevel.PRIVILEGED, reason: AGENTS_REASON });
    const chart = arch._newComponentChart(stack, `${stack.componentName}-zabbix`);
    const identity = (component: string): WorkloadIdentityLabels => ({
      name: 'zabbix', instance: `${arch.name}-zabbix-${component}`, component, partOf: arch.name,
    });
    const secretEnv = (name: string, ref: SecretKeyReference): kplus.k8s.EnvVar => ({
      name, valueFrom: { secretKeyRef: { name: ref.secretName, key: ref.key } },
    });

    // ---- database
    const mysql = new MySqlDatabase(stack, 'zabbix-mysql', {
      architecture: arch,
      chart,
      name: 'zabbix-mysql',
      namespace: ns,
      componentName: 'zabbix',
      image: dbImage,
      rootPassword,
      user: DB_USER,
      userPassword,
      // the server's entrypoint imports the schema into an existing, empty database as this user
      initScripts: {
        '01-zabbix-database.sql': [
          `CREATE DATABASE IF NOT EXISTS \`${DB_NAME}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;`,
          `GRANT ALL PRIVILEGES ON \`${DB_NAME}\`.* TO '${DB_USER}'@'%';`,
          '',
        ].join('\n'),
      },
      // the schema's triggers, created by a user without SUPER while binary logging is on (MySQL 8.4 default)
      extraArgs: ['--log-bin-trust-function-creators=1'],
      storageGibibytes: storage,
      backup: resolveMySqlBackup(stack, 'databaseBackup', arch, o.databaseBackup, storage),
      storageClassName: o.storageClassName,
      resources: prod
        ? { cpuRequestMillis: 500, cpuLimitMillis: 2000, memoryRequestMebibytes: 1024, memoryLimitMebibytes: 2048 }
        : { cpuRequestMillis: 100, cpuLimitMillis: 1000, memoryRequestMebibytes: 512, memoryLimitMebibytes: 1024 },
    });
    const dbEnv: kplus.k8s.EnvVar[] = [
      { name: 'DB_SERVER_HOST', value: mysql.host },
      { name: 'DB_SERVER_PORT', value: String(MYSQL_PORT) },
      { name: 'MYSQL_DATABASE', value: DB_NAME },
      { name: 'MYSQL_USER', value: DB_USER },
      secretEnv('MYSQL_PASSWORD', userPassword),
    ];
    const secretsAnnotation = { [ANNOTATION_EXTERNAL_SECRETS]: userPassword.secretName };

    // ---- server
    const trapperProbe = { tcpSocket: { port: k8s.IntOrString.fromNumber(TRAPPER_PORT) } };
    const server = new StatefulCluster(stack, 'zabbix-server', {
      architecture: arch,
      chart,
      name: 'zabbix-server',
      namespace: ns,
      identity: identity('server'),
      // one node: see ZabbixOptions (native HA cluster not enabled)
      replicas: 1,
      quorum: false,
      uid: UID,
      ports: [{ name: 'trapper', port: TRAPPER_PORT }],
      volumes: [emptyDir('etc-zabbix', 16), emptyDir('tmp', 256)],
      podAnnotations: secretsAnnotation,
      terminationGracePeriodSeconds: 60,
      initContainers: () => [copyInit(serverImage, [{ path: '/etc/zabbix', volume: 'etc-zabbix' }])],
      containers: () => [secureContainer({
        name: 'server',
        image: serverImage,
        env: dbEnv,
        ports: [{ name: 'trapper', containerPort: TRAPPER_PORT }],
        resources: serverResources,
        // the first start waits for MySQL and imports the schema
        startupProbe: { ...trapperProbe, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 60 },
        readinessProbe: { ...trapperProbe, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
        livenessProbe: { ...trapperProbe, periodSeconds: 20, timeoutSeconds: 3, failureThreshold: 6 },
        volumeMounts: [
          // zabbix_server.conf, rewritten from the environment at every start
          { name: 'etc-zabbix', mountPath: '/etc/zabbix' },
          // SocketDir and the default PidFile
          { name: 'tmp', mountPath: '/tmp' },
        ],
      })],
    });
    server.allowEgressTo(mysql.cluster, mysql.ports);
    mysql.cluster.allowIngressFrom(server, mysql.ports);

    // ---- web frontend
    const web = new StatelessWorkload(stack, 'zabbix-web', {
      architecture: arch,
      chart,
      name: 'zabbix-web',
      namespace: ns,
      identity: identity('web'),
      replicas: webReplicas,
      ports: [{ name: 'http', port: WEB_PORT, appProtocol: 'http' }],
      uid: UID,
      podAnnotations: secretsAnnotation,
      volumes: [
        emptyDir('etc-zabbix', 16),
        emptyDir('etc-nginx', 16),
        emptyDir('var-log-nginx', 256),
        emptyDir('php-session', 64),
        emptyDir('tmp', 256),
      ],
      initContainers: () => [copyInit(webImage, [
        { path: '/etc/zabbix', volume: 'etc-zabbix' },
        { path: '/etc/nginx', volume: 'etc-nginx' },
        { path: '/var/log/nginx', volume: 'var-log-nginx' },
      ])],
      containers: (w) => {
        const http = (path: string) => ({ httpGet: { path, port: k8s.IntOrString.fromString('http'), scheme: 'HTTP' } });
        return [secureContainer({
          name: 'web',
          image: webImage,
          env: [
            { name: 'ZBX_SERVER_HOST', value: server.clientHost },
            { name: 'ZBX_SERVER_PORT', value: String(TRAPPER_PORT) },
            { name: 'ZBX_SERVER_NAME', value: arch.name },
            { name: 'PHP_TZ', value: timezone },
            ...dbEnv,
          ],
          ports: w.containerPorts,
          resources: webResources,
          // PHP-FPM's ping page (nginx routes /ping to FPM); the entrypoint waits for MySQL first
          startupProbe: { ...http('/ping'), periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 60 },
          readinessProbe: { ...http('/ping'), periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
          livenessProbe: { ...http('/ping'), periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
          volumeMounts: [
            // nginx.conf (sed -i), web/zabbix.conf.php
            { name: 'etc-zabbix', mountPath: '/etc/zabbix' },
            // nginx.conf (sed -i) and the conf.d symlink to the virtual host
            { name: 'etc-nginx', mountPath: '/etc/nginx' },
            { name: 'var-log-nginx', mountPath: '/var/log/nginx' },
            { name: 'php-session', mountPath: '/var/lib/php/session' },
            // PHP-FPM socket and pid, nginx pid and temp paths
            { name: 'tmp', mountPath: '/tmp' },
          ],
        })];
      },
    });
    web.allowEgressTo(server, [tcp(TRAPPER_PORT)]);
    server.allowIngressFrom(web, [tcp(TRAPPER_PORT)]);
    web.allowEgressTo(mysql.cluster, mysql.ports);
    mysql.cluster.allowIngressFrom(web, mysql.ports);

    // ---- agents
    if (agentsNamespace) {
      const agentName = 'zabbix-agent';
      const agentIdentity = identity('agent');
      const labels = recommendedLabels(agentIdentity);
      const agents = new ZabbixAgents(stack, 'zabbix-agent', arch, agentsNamespace, agentName, agentIdentity, chart);
      new k8s.KubeServiceAccount(chart, 'zabbix-agent-service-account', {
        metadata: { name: agentName, namespace: agentsNamespace, labels },
        automountServiceAccountToken: false,
      });
      const agentProbe = { tcpSocket: { port: k8s.IntOrString.fromNumber(AGENT_PORT) } };
      // the headless name resolves to the server pod's address: the agent accepts passive checks
      // only from the addresses `Server` resolves to (the client Service's would be its cluster IP)
      const serverHost = arch.serviceHost(server.headlessServiceName, ns);
      new k8s.KubeDaemonSet(chart, 'zabbix-agent-daemonset', {
        metadata: { name: agentName, namespace: agentsNamespace, labels },
        spec: {
          selector: { matchLabels: agents.podSelector },
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(1) } },
          revisionHistoryLimit: 5,
          template: {
            metadata: { labels },
            spec: {
              ...securePodSpec({
                serviceAccountName: agentName,
                uid: UID,
                initContainers: [copyInit(agentImage, [{ path: '/etc/zabbix', volume: 'etc-zabbix' }])],
                containers: [secureContainer({
                  name: 'agent',
                  image: agentImage,
                  env: [
                    { name: 'ZBX_HOSTNAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                    { name: 'ZBX_SERVER_HOST', value: serverHost },
                    { name: 'ZBX_SERVER_PORT', value: String(TRAPPER_PORT) },
                  ],
                  ports: [{ name: 'agent', containerPort: AGENT_PORT }],
                  resources: agentResources,
                  readinessProbe: { ...agentProbe, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
                  livenessProbe: { ...agentProbe, initialDelaySeconds: 15, periodSeconds: 20, timeoutSeconds: 3, failureThreshold: 3 },
                  volumeMounts: [
                    // zabbix_agent2.conf and plugin configs, rewritten at every start
                    { name: 'etc-zabbix', mountPath: '/etc/zabbix' },
                    // the control socket
                    { name: 'tmp', mountPath: '/tmp' },
                    // the node's filesystems (vfs.fs.* items), read-only
                    { name: 'host-root', mountPath: '/hostfs/root', readOnly: true, mountPropagation: 'HostToContainer' },
                  ],
                })],
                volumes: [
                  emptyDir('etc-zabbix', 16),
                  emptyDir('tmp', 64),
                  { name: 'host-root', hostPath: { path: '/', type: 'Directory' } },
                ],
              }),
              // exceptions (why the namespace is privileged): the node's interfaces and address, its processes
              hostNetwork: true,
              hostPid: true,
              // cluster DNS (the server's name) from the host network
              dnsPolicy: 'ClusterFirstWithHostNet',
              // every node is monitored, tainted ones included
              tolerations: [{ operator: 'Exists' }],
            },
          },
        },
      });
      // passive checks (server -> agent) and active checks (agent -> server)
      server.allowEgressTo(agents, [tcp(AGENT_PORT)]);
      agents.allowIngressFrom(server, [tcp(AGENT_PORT)]);
      agents.allowEgressTo(server, [tcp(TRAPPER_PORT)]);
      server.allowIngressFrom(agents, [tcp(TRAPPER_PORT)]);
      // Host-network pods are outside NetworkPolicy selection and talk with node addresses: the
      // pod-selector rules above match nothing there, so the server may also reach any agent
      // port and accept the trapper port from any address (the trapper accepts active checks only
      // for hosts configured in Zabbix).
      new k8s.KubeNetworkPolicy(chart, 'zabbix-server-node-agents', {
        metadata: { name: 'zabbix-server-node-agents', namespace: ns, labels: recommendedLabels(identity('server')) },
        spec: {
          podSelector: { matchLabels: server.podSelector },
          policyTypes: ['Ingress', 'Egress'],
          ingress: [{ ports: [{ port: k8s.IntOrString.fromNumber(TRAPPER_PORT), protocol: 'TCP' }] }],
          egress: [{ ports: [{ port: k8s.IntOrString.fromNumber(AGENT_PORT), protocol: 'TCP' }] }],
        },
      });
    }

    // Microservices and platform components are not instrumented: see ZabbixOptions.
    return {};
  }
}
