export * from './deployment-runbook';
export * from './release-dashboard';
