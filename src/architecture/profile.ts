/**
 * The environment profile of an architecture: one switch that sets replica counts, resources,
 * storage and disruption budgets for every component.
 */
export enum Profile {
  /**
   * One small replica per workload, ephemeral storage (emptyDir), no disruption budgets: cheap
   * clusters for developers and CI. Security defaults are the same as in production.
   */
  DEVELOPMENT = 'development',
  /**
   * Highly available: replicated workloads (3 by default) spread across zones and nodes,
   * PodDisruptionBudgets, persistent storage, odd quorums.
   */
  PRODUCTION = 'production',
}
