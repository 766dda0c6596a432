/** Pod Security Standards level enforced on a namespace (Pod Security Admission labels). */
export enum PodSecurityLevel {
  /** Heavily restricted; the default for every namespace of the architecture. */
  RESTRICTED = 'restricted',
  /** Minimally restrictive: prevents known privilege escalations (e.g. for log agents reading host paths). */
  BASELINE = 'baseline',
  /** Unrestricted. Only for node-level agents that truly need it. */
  PRIVILEGED = 'privileged',
}
