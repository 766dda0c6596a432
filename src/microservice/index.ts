export * from './microservice';
export * from './health-check';
export * from './metrics-export';
