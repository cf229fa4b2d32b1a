export * from './deployment-window';
export * from './release-pipeline';
export * from './release-source';
