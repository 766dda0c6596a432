/**
 * A developer sandbox: the development profile (one small replica each, no disruption budgets,
 * ephemeral storage) with the Microservice options a team reaches for first: a gRPC service with
 * its health protocol, autoscaling, extra writable paths, an explicit user, external secrets.
 *
 * Output in dist/development-sandbox/.
 */
import { App, Duration } from 'cdk8s';
import * as arch from 'cdk8s-architect';

export function build(app: App): arch.BackendArchitecture {
  const sandbox = new arch.BackendArchitecture(app, 'sandbox', { profile: arch.Profile.DEVELOPMENT });

  const recommender = new arch.Microservice(sandbox, 'recommender', {
    image: 'ghcr.io/acme/recommender@sha256:4f5c1d0a8e2b9c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d',
    context: 'discovery',
    team: 'ml-platform',
    protocol: arch.AppProtocol.GRPC,
    port: 50051,
    healthCheck: arch.HealthCheck.grpc({ service: 'recommender.v1.Recommender' }),
    autoscaling: { minReplicas: 1, maxReplicas: 4, targetCpuUtilizationPercent: 60 },
    writablePaths: ['/tmp', '/var/cache/models'],
    resources: { cpuRequestMillis: 200, memoryRequestMebibytes: 512, memoryLimitMebibytes: 1024 },
  });

  const web = new arch.Microservice(sandbox, 'web', {
    image: 'ghcr.io/acme/web:0.9.0',
    context: 'discovery',
    team: 'storefront',
    port: 3000,
    runAsUser: 1000,
    healthCheck: arch.HealthCheck.http({ readinessPath: '/api/health/ready', livenessPath: '/api/health/live' }),
    terminationGracePeriod: Duration.seconds(45),
    env: {
      NODE_ENV: arch.EnvValue.fromValue('development'),
      POD_NAME: arch.EnvValue.fromFieldPath('metadata.name'),
      SESSION_SECRET: arch.EnvValue.fromSecret({ secretName: 'web-session', key: 'secret' }),
      FEATURE_FLAGS: arch.EnvValue.fromConfigMap({ configMapName: 'feature-flags', key: 'flags.json' }),
    },
  });
  web.uses(recommender);
  return sandbox;
}

if (require.main === module) {
  const app = new App({ outdir: 'dist/development-sandbox' });
  build(app);
  app.synth();
}
