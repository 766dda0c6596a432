/** The configuration-center software. */
export enum ConfigCenterKind {
  /** Kubernetes ConfigMaps and Secrets: no server to run. */
  KUBERNETES = 'kubernetes',
  /** Alibaba Nacos 2.x. */
  NACOS = 'nacos',
  /** Ctrip Apollo (config service, admin service, portal). */
  APOLLO = 'apollo',
}

/** A configuration-center engine, chosen with the static factories of {@link ConfigCenterEngine}. */
export interface IConfigCenterEngine {
  /** Which software this engine deploys. */
  readonly kind: ConfigCenterKind;
}
