export * from './rollback-alarms';
export * from './failed-task-set-guard';
