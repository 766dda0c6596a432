export * from './engine';
export * from './message-queue';
export * from './message-queue-engine';
export * from './topic';
export * from './advisor';
