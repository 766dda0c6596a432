export * from './engine';
export * from './registry';
export * from './registry-engine';
export * from './etcd-options';
export * from './consul-options';
export * from './zookeeper-options';
