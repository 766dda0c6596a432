/** Factories for the tracing backends. */
export class Tracing {
  private constructor() {}
}
