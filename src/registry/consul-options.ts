import { Duration } from 'cdk8s';
import { ComputeResources } from '../architecture/resources';

/** What Consul does with a request whose token no ACL rule matches (`acl.default_policy`). */
export enum ConsulAclPolicy {
  /** Allow it: ACLs only restrict what rules deny explicitly (a migration aid, not a security boundary). */
  ALLOW = 'allow',
  /** Deny it: every request needs a token whose policies grant it (the secure setting). */
  DENY = 'deny',
}

/**
 * Gossip (Serf LAN) encryption with a symmetric key that every server shares.
 *
 * The key is 32 random bytes, base64-encoded (`consul keygen` prints one), kept in a Secret that is
 * managed outside these manifests (External Secrets, Sealed Secrets, ...). The Secret is mounted as
 * a file and an init container writes it into a Consul configuration file (`encrypt`) on a
 * memory-backed volume: it is never a command-line argument or an environment variable. On first
 * start Consul copies it into its keyring in the data directory; rotate it later with
 * `consul keyring`, not by changing the Secret alone.
 */
export interface ConsulGossipEncryption {
  /** The Secret, in the registry's namespace, that holds the key. */
  readonly secretName: string;
  /**
   * The key inside the Secret.
   * @default "key"
   */
  readonly key?: string;
}

/**
 * Consul's ACL system (`acl { enabled = true ... }`), bootstrapped the way the official Helm
 * chart's `server-acl-init` Job does it: a Job creates the agent policy and token and, for every
 * service that uses the registry, a token with that service's service identity, written to a
 * Secret of its own in the service's namespace.
 */
export interface ConsulAcl {
  /** Turn the ACL system on. */
  readonly enabled: boolean;
  /**
   * What requests without a matching rule get.
   * @default ConsulAclPolicy.DENY
   */
  readonly defaultPolicy?: ConsulAclPolicy;
  /**
   * A Secret in the registry's namespace, managed outside these manifests, with two UUIDs: key
   * `token`, the initial management token (`acl.tokens.initial_management`, installed when a
   * leader is first elected), and key `agent-token`, the SecretID of the servers' agent token
   * (`acl.tokens.agent`; the bootstrap Job creates the token with exactly this SecretID and the
   * agent policy `node_prefix "" write, service_prefix "" read`). Both reach the servers as a
   * configuration file written by an init container, never as arguments.
   * @default "<registry name>-acl-token"
   */
  readonly tokenSecretName?: string;
}

/**
 * TLS for Consul: server RPC (8300) with `verify_incoming`, `verify_outgoing` and
 * `verify_server_hostname`, the HTTP API on HTTPS (8501) only (`ports.http = -1`). On by default in
 * production.
 */
export interface ConsulTlsOptions {
  /**
   * A `kubernetes.io/tls` Secret in the registry's namespace with `tls.crt`, `tls.key` and
   * `ca.crt` (cert-manager's layout), managed outside these manifests. The certificate must allow
   * server and client authentication (servers authenticate to each other on 8300) and list
   * `server.<datacenter>.consul` (what `verify_server_hostname` checks), every server's DNS name
   * (`<name>-<i>.<name>-headless.<namespace>.svc.<domain>`: services talk to one server each), the
   * client Service's name, and `localhost`. Consumers and the bootstrap Job get only `ca.crt`.
   * @default "<registry name>-server-tls"
   */
  readonly serverSecretName?: string;
}

/**
 * Options of the Consul engine.
 *
 * Registration model: server agents only, and services register themselves with **TTL checks**
 * (`check { ttl, deregister_critical_service_after }`) and heartbeat them, so Consul never has to
 * reach a service (its NetworkPolicy admits no traffic from Consul). A registration lives on the
 * agent that received it, so each service is given one server agent to register and heartbeat
 * with (`CONSUL_HTTP_ADDR`, a stable per-service choice spread over the servers) and the others as
 * fallbacks (`SERVICE_REGISTRATION_AGENTS`), never the load-balanced Service.
 */
export interface ConsulOptions {
  /**
   * Server agents: odd, at most 7 (Consul's guidance is 3 or 5; more servers slow every write).
   * @default - 1 in development, 3 in production
   */
  readonly members?: number;
  /**
   * The Consul image, pinned by tag or digest (HashiCorp's `hashicorp/consul`; the Docker Hub
   * library `consul` image is no longer published).
   * @default "hashicorp/consul:1.22.7"
   */
  readonly image?: string;
  /**
   * The datacenter name (`datacenter`), part of every Consul DNS name and API answer.
   * @default "dc1"
   */
  readonly datacenter?: string;
  /**
   * Size of each server's volume in GiB (a PersistentVolumeClaim in production, an emptyDir limit in development).
   * @default 10
   */
  readonly storageGibibytes?: number;
  /**
   * StorageClass of the servers' claims.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * CPU and memory per server.
   * @default - 100m/1000m CPU and 256/1024 MiB in production; 50m/500m and 128/512 MiB in development
   */
  readonly resources?: ComputeResources;
  /**
   * Serve the web UI (`ui_config.enabled`). With TLS the UI is served on HTTPS only and the
   * registry has no `console` to expose through a Gateway.
   * @default true
   */
  readonly ui?: boolean;
  /**
   * Gossip encryption. Production always encrypts gossip: without this option it reads the key from
   * the Secret "<registry name>-gossip" (key "key"), which must exist before the servers start.
   * @default - production: `{ secretName: "<registry name>-gossip" }`; development: no gossip encryption
   */
  readonly gossipEncryption?: ConsulGossipEncryption;
  /**
   * The ACL system. On by default in production (deny by default); `{ enabled: false }` turns it off.
   * @default - production: `{ enabled: true, defaultPolicy: ConsulAclPolicy.DENY }`; development: no ACLs
   */
  readonly acl?: ConsulAcl;
  /**
   * TLS on server RPC and the HTTP API.
   * @default - TLS with the default Secret name in production; plain HTTP in development
   */
  readonly tls?: ConsulTlsOptions;
  /**
   * Serve plain HTTP (8500) and unencrypted RPC in production: an explicit opt-out, for clusters
   * where a mesh encrypts the traffic instead. Not allowed together with `tls`.
   * @default false
   */
  readonly insecurePlaintext?: boolean;
  /**
   * The TTL of the checks services register (`check.ttl`): a service that has not reported
   * healthy within it turns critical. Services heartbeat at a third of it.
   * @default Duration.seconds(15)
   */
  readonly registrationTtl?: Duration;
  /**
   * How long a registration may stay critical before its agent removes it
   * (`check.deregister_critical_service_after`; Consul's reaper runs every 30 s, minimum 1 minute).
   * @default Duration.minutes(1)
   */
  readonly deregisterCriticalServiceAfter?: Duration;
  /**
   * The address range of the Kubernetes API server, which the bootstrap Job calls to write the
   * services' token Secrets (NetworkPolicy egress on 443 and 6443).
   * @default - any address on ports 443 and 6443 (Cilium does not match host addresses with an ipBlock)
   */
  readonly kubernetesApiCidr?: string;
  /**
   * When the bootstrap (ACL policies and tokens, each service's token Secret) runs again, as a
   * CronJob (5-field cron expression). Every step converges, so each run recreates a token the
   * servers lost with their data (development keeps it in an emptyDir) from its Secret, writes a
   * new token for a service whose Secret was deleted (how a service's token is rotated) and
   * deletes the old one, deletes the tokens of services that no longer use the registry (only
   * tokens this bootstrap created, found by their description), and
   * creates the agent token again after `agent-token` changed in the ACL Secret, hands it to every
   * running server through its own API (`PUT /v1/agent/token/agent`; the server persists it in its
   * data and prefers it to its configuration after a restart) and, once every server took it,
   * deletes the agent tokens it made before; while a server does not answer, the old token stays
   * for the next run. The one-off Job runs at once whenever its content
   * changes, but it cannot see a Secret's new value. "" for no CronJob (then each of these takes
   * deleting the completed Job). Only with ACLs or TLS (without either there is no bootstrap, and
   * setting it is an error).
   * @default - every 10 minutes
   */
  readonly reprovisionSchedule?: string;
}
