export * from './gitops-options';
