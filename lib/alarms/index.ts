export * from './rollback-alarms';
