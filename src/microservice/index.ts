export * from './microservice';
export * from './health-check';
