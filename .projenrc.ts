import { cdk8s, javascript } from 'projen';

/**
 * cdk8s-architect: production-grade Kubernetes manifests for a whole backend architecture.
 *
 * Versions are chosen deliberately (see README "Toolchain"):
 * - jsii ~5.9 compiles with TypeScript ~5.9; ts-jest 29 accepts TypeScript < 7. The npm registry
 *   serves TypeScript 7 for `*`, which breaks ts-jest, so TypeScript is pinned here.
 * - constructs ^10.3 because cdk8s-plus-28 asks for it (projen's 10.0.0 default fails with ERESOLVE).
 */
const project = new cdk8s.ConstructLibraryCdk8s({
  name: 'cdk8s-architect',
  description:
    'cdk8s constructs that turn a short program into the complete Kubernetes manifests of a backend architecture: gateway, registry, config center, observability, mesh, message queues and the microservices that use them.',
  author: 'cdk8s-architect maintainers',
  authorAddress: 'maintainers@cdk8s-architect.dev',
  repositoryUrl: 'https://github.com/cdk8s-architect/cdk8s-architect.git',
  defaultReleaseBranch: 'main',
  projenrcTs: true,
  packageManager: javascript.NodePackageManager.NPM,
  license: 'Apache-2.0',
  keywords: ['cdk8s', 'kubernetes', 'microservices', 'gitops', 'architecture'],

  cdk8sVersion: '2.70.106',
  constructsVersion: '10.3.0',
  jsiiVersion: '~5.9.0',
  typescriptVersion: '~5.9.0',

  // The project's CI is `.ci/run` (it runs on a bare machine); no hosted workflows are generated.
  github: false,
  release: false,
  sampleCode: false,
  // `dist/` belongs to `npm run synth` (the synthesized examples); jsii packages go elsewhere.
  artifactsDirectory: 'packages',

  peerDeps: ['cdk8s-plus-28@^2.5.6'],
  devDeps: [
    'cdk8s-plus-28@2.5.6',
    'kubernetes-models@~4.4.2',
    'ts-node@10.9.2',
    'tsconfig-paths@^4.2.0',
    '@types/node@^20',
    '@types/js-yaml@^4',
    'js-yaml@^4.1.0',
    // `cdk8s import` for the committed CRD classes in src/imports/ (npx projen import)
    'cdk8s-cli@2.207.60',
    // schemas of the Prometheus Operator kinds, for the test harness
    '@kubernetes-models/prometheus-operator@~4.4.4',
    // the Prometheus project's PromQL parser: tests parse every generated alert expression
    '@prometheus-io/lezer-promql@~0.315.0',
    '@lezer/lr@^1.4.2',
    '@lezer/highlight@^1.2.1',
    // the test harness validates every custom resource against its upstream CRD schema (../shared/crds)
    'ajv@^8.17.1',
    // generated tests (random JSON documents for the YAML writer)
    'fast-check@^4.3.0',
    // the real Mermaid parser checks every generated architecture diagram (test/tools/mermaid-parse.mjs, in a DOM from jsdom)
    'mermaid@11.12.3',
    'jsdom@^26.1.0',
  ],

  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'examples', 'bench', 'projenrc', 'scripts'],
    // tsconfig.dev.json covers src, tests, examples and the benchmark (tsconfig.json is jsii's: src only).
    projectService: false,
    tsconfigPath: './tsconfig.dev.json',
  },
  jestOptions: {
    // Snapshots change only through `npx projen test:update`; a changed snapshot fails the tests.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      // Examples import 'cdk8s-architect' exactly as a user's program does.
      moduleNameMapper: { '^cdk8s-architect$': '<rootDir>/src' },
      coveragePathIgnorePatterns: ['/node_modules/', '/test/', '/examples/'],
      // test/tools/ starts real programs (etcd, ZooKeeper, ...): `npx projen test:tools`, run by .ci/run;
      // test/cluster/ a real control plane: `npx projen test:cluster`, run by .ci/run.
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/tools/', '<rootDir>/test/cluster/'],
    },
  },
  tsconfigDevFile: 'tsconfig.dev.json',
  tsconfigDev: {
    include: ['src/**/*.ts', 'test/**/*.ts', 'examples/**/*.ts', 'bench/**/*.ts', '.projenrc.ts', 'projenrc/**/*.ts'],
    compilerOptions: {
      // Examples and the benchmark import 'cdk8s-architect' exactly as a user's program does.
      paths: { 'cdk8s-architect': ['./src'] },
    },
  },

  publishToPypi: {
    distName: 'cdk8s-architect',
    module: 'cdk8s_architect',
  },
  publishToMaven: {
    javaPackage: 'dev.cdk8sarchitect',
    mavenGroupId: 'dev.cdk8s-architect',
    mavenArtifactId: 'cdk8s-architect',
  },
  publishToNuget: {
    dotNetNamespace: 'Cdk8sArchitect',
    packageId: 'Cdk8sArchitect',
  },
  publishToGo: {
    moduleName: 'github.com/cdk8s-architect/cdk8s-architect-go',
  },
});

// jsii's reserved-word warning fires on every keyword of any language, also where the binding keeps
// the name usable (a `namespace` property is `Namespace` in C#/Go, `getNamespace()` in Java; C# takes
// a `namespace` parameter as `@namespace`), so it stays silenced; scripts/check-jsii-names.ts fails
// the compile on the names a binding must change or cannot call by keyword (see that file).
project.compileTask.exec('ts-node --project tsconfig.dev.json scripts/check-jsii-names.ts');

// Synthesize every example into dist/<example>/ (the README's quick start).
project.addTask('synth', {
  description: 'Synthesize every example in examples/ into dist/<example>/',
  exec: 'ts-node -r tsconfig-paths/register --project tsconfig.dev.json examples/synth-all.ts',
});

// Typed classes for the CRDs the library emits, generated by `cdk8s import` from the upstream CRD
// bundles in ../shared/crds (never edited by hand; committed so builds need no network).
project.addTask('import', {
  description: 'Regenerate src/imports/ from the upstream CRD bundles in ../shared/crds',
  exec: 'ts-node -r tsconfig-paths/register --project tsconfig.dev.json scripts/import-crds.ts',
});
project.eslint?.addIgnorePattern('src/imports/');

// Real-tool checks: generated configuration started or checked by the real programs (installed
// by .ci/run from Debian packages; a missing program fails the test with the package to install).
project.addTask('test:tools', {
  description: 'Check generated configuration with the real programs (etcd, ZooKeeper, ...)',
  exec: "jest --ci --coverage=false --testPathIgnorePatterns /node_modules/ --testMatch '<rootDir>/test/tools/**/*.test.ts'",
});

// Every example applied to a real control plane (etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and kwok's simulated nodes) of each pinned Kubernetes release; the binaries are
// built by scripts/k8s/build.sh (README "Testing against a real control plane").
project.addTask('test:cluster', {
  description: 'Apply every example to a real Kubernetes control plane (run scripts/k8s/build.sh first)',
  exec: "jest --ci --coverage=false --runInBand --testPathIgnorePatterns /node_modules/ --testMatch '<rootDir>/test/cluster/**/*.test.ts'",
});

// Generated README sections (the message-queue comparison table).
project.addTask('readme', {
  description: 'Regenerate the generated sections of README.md',
  exec: 'ts-node -r tsconfig-paths/register --project tsconfig.dev.json scripts/update-readme.ts',
});

// Benchmark: the reference architecture with N extra microservices vs bare cdk8s-plus-28.
project.addTask('bench', {
  description: 'Run the synthesis benchmark (bench/README.md)',
  exec: 'ts-node -r tsconfig-paths/register --project tsconfig.dev.json bench/run.ts',
});

// Local packaging: only the JavaScript package (other toolchains are not on every machine);
// the bindings of every jsii target are generated as code by `bindings`, which CI runs.
const packageJs = project.tasks.tryFind('package:js');
if (packageJs) {
  project.packageTask.reset();
  project.packageTask.spawn(packageJs);
}
project.addTask('bindings', {
  description: 'Generate the Python, Java, .NET and Go bindings as source code (no toolchains needed)',
  exec: 'jsii-pacmak --code-only --outdir packages/bindings --target python --target java --target dotnet --target go',
});

// The packages a user installs, built and used as a user would (run by .ci/run): the npm tarball in
// a fresh TypeScript project running the README's usage program, the Python wheel (its reference
// architecture byte-identical to the TypeScript one), the Go module and the Java jar with their
// examples. Needs Python 3 with venv, Go, Java with Maven, and PyPI, Maven Central and the Go proxy.
project.addTask('test:packages', {
  description: 'Build the npm, Python, Go and Java packages, install them in fresh projects and run the examples',
  exec: 'bash scripts/check-packages.sh',
});

// A plain `npm pack` of a fresh clone would pack 5 files and no code: fail with the command to run.
project.package.setScript('prepack', 'node scripts/prepack.js');

project.gitignore.exclude('/dist/', '/packages/', '/bench/results/', '/examples/java/target/', '/examples/go/shop', '__pycache__/');
// 'packages' (jsii-pacmak's outdir) exactly as jsii-pacmak writes it, so packaging leaves .npmignore unchanged.
project.npmignore?.exclude('/examples/', '/bench/', '/.ci/', '/scripts/', 'packages', '/cdk8s.yaml');

project.synth();
