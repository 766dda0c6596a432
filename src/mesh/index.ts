export * from './engine';
export * from './traffic-policy';
export * from './mesh';
