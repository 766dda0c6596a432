export * from './engine';
export * from './config-center';
export * from './config-center-engine';
export * from './config-value';
export * from './kubernetes-options';
