export * from './service';
export * from './alarms';
export * from './hooks';
