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
 * managed outside these manifests (External Secrets, Sealed Secrets, ...). It reaches the agent as
 * `-encrypt=$(GOSSIP_KEY)` from a `secretKeyRef` variable, as the consul-k8s chart does. On first
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

/** Consul's ACL system (`acl { enabled = true ... }`). */
export interface ConsulAcl {
  /** Turn the ACL system on. */
  readonly enabled: boolean;
  /**
   * What requests without a matching rule get.
   * @default ConsulAclPolicy.DENY
   */
  readonly defaultPolicy?: ConsulAclPolicy;
  /**
   * A Secret in the registry's namespace, managed outside these manifests, whose key `token` holds
   * the initial management token (a UUID): the servers install it as
   * `acl.tokens.initial_management` when a leader is first elected. Use it to create the agent
   * token (`consul acl set-agent-token agent ...`, persisted in the data directory) and the
   * consumers' tokens.
   * @default "<registry name>-acl-token"
   */
  readonly tokenSecretName?: string;
  /**
   * The Secret each consumer namespace holds (key `token`) with that consumer's ACL token; consumers
   * get it as `CONSUL_HTTP_TOKEN`, the variable the official Consul clients read.
   * @default "<registry name>-token"
   */
  readonly consumerTokenSecretName?: string;
}

/** Options of the Consul engine (server agents only: services talk to the servers' HTTP API). */
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
   * Serve the web UI on the HTTP port (`ui_config.enabled`).
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
   * The ACL system.
   * @default - no ACLs (only the workloads that use the registry reach it, through NetworkPolicies)
   */
  readonly acl?: ConsulAcl;
}
