export * from './custom-hook';
export * from './hook-options';
export * from './preflight-hook';
export * from './migration-hook';
export * from './smoke-check';
export * from './smoke-test-hook';
export * from './metric-gate-hook';
export * from './deployment-window';
