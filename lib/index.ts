export * from './service';
export * from './alarms';
