import { DeployedGatewayOptions } from './proxy-options';

/** Options of the APISIX engine (standalone mode, no etcd). */
export interface ApisixOptions extends DeployedGatewayOptions {
  /**
   * The APISIX image, pinned.
   * @default "apache/apisix:3.16.0-ubuntu" (the official Helm chart's default)
   */
  readonly image?: string;
}
