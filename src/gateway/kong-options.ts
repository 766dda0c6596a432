import { DeployedGatewayOptions } from './proxy-options';

/** Options of the Kong engine (Kong Gateway OSS, DB-less). */
export interface KongOptions extends DeployedGatewayOptions {
  /**
   * The Kong image, pinned. The OSS images end at the 3.9 line.
   * @default "kong:3.9.3"
   */
  readonly image?: string;
}
