export * from './engine';
export * from './registry';
export * from './registry-engine';
export * from './etcd-options';
