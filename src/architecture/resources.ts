/**
 * CPU and memory for one container. Every workload gets requests and limits: the profile's
 * defaults unless set here.
 */
export interface ComputeResources {
  /**
   * CPU request in millicores.
   * @default - 50 (development) or 250 (production)
   */
  readonly cpuRequestMillis?: number;
  /**
   * CPU limit in millicores.
   * @default - 500 (development) or 1000 (production)
   */
  readonly cpuLimitMillis?: number;
  /**
   * Memory request in MiB.
   * @default - 64 (development) or 256 (production)
   */
  readonly memoryRequestMebibytes?: number;
  /**
   * Memory limit in MiB.
   * @default - 256 (development) or 512 (production)
   */
  readonly memoryLimitMebibytes?: number;
}
