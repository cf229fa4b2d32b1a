export * from './release-dashboard';
