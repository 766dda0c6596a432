export * from './engine';
export * from './apollo-options';
export * from './config-center';
export * from './config-center-engine';
export * from './config-value';
export * from './kubernetes-options';
export * from './nacos-options';
