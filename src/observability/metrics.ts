/** Factories for the metrics systems. */
export class Metrics {
  private constructor() {}
}
