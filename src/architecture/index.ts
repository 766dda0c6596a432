export * from './backend-architecture';
export * from './binding';
export * from './pod-security';
export * from './profile';
export * from './resources';
