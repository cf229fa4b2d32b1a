export * from './release-pipeline';
export * from './release-source';
