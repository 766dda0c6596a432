/** Factories for the logging pipelines. */
export class Logging {
  private constructor() {}
}
