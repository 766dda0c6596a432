export * from './app-protocol';
export * from './backend-architecture';
export * from './binding';
export * from './http-method';
export * from './pod-security';
export * from './profile';
export * from './resources';
export * from './routable';
