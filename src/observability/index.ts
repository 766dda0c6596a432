export * from './severity';
export * from './pillars';
export * from './observability-stack';
export * from './tracing';
export * from './logging';
export * from './metrics';
