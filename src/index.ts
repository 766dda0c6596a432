export * from './architecture';
export * from './microservice';
export * from './registry';
