export * from './service';
export * from './alarms';
export * from './hooks';
export * from './pipeline';
export * from './observability';
