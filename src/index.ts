export * from './architecture';
export * from './microservice';
export * from './registry';
export * from './config';
export * from './messaging';
export * from './observability';
export * from './gateway';
export * from './mesh';
