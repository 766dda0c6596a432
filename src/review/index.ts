import './reviewer';
export * from './lint-options';
export * from './plugin';
