import { ApiObject, Chart, ChartProps, DependencyGraph } from 'cdk8s';
import { Construct } from 'constructs';

/** Charts whose app was validated (and had its dependencies resolved) by the current synth pass. */
const freshlyValidated = new WeakSet<Chart>();

/**
 * The chart of one component. It renders exactly like a plain cdk8s Chart, but avoids the
 * quadratic cost of `App.synth()` with many charts: cdk8s' `Chart.toJson()` re-validates and
 * re-resolves the *whole app* for every chart, although `App.synth()` has just done both. A
 * validation hook marks the chart when the app is validated; the next `toJson()` then renders the
 * chart directly (the same dependency-ordered objects cdk8s would render) and clears the mark.
 * Any other call, e.g. `Testing.synth(chart)`, takes cdk8s' own full path.
 */
export class ComponentChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    this.node.addValidation({
      validate: () => {
        freshlyValidated.add(this);
        return [];
      },
    });
  }

  public toJson(): any[] {
    if (freshlyValidated.delete(this)) {
      return new DependencyGraph(this.node)
        .topology()
        .filter((x): x is ApiObject => x instanceof ApiObject && Chart.of(x) === this)
        .map((o) => o.toJson());
    }
    const json = super.toJson();
    // super.toJson() validated the whole app, which marked every chart: forget those marks, so a
    // later direct call still validates.
    for (const c of this.node.root.node.findAll()) {
      if (c instanceof ComponentChart) freshlyValidated.delete(c);
    }
    return json;
  }
}
