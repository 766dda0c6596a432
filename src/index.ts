export * from './architecture';
export * from './microservice';
