export * from './release-pipeline';
export * from './release-source';
export * from './notification-route';
