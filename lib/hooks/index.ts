export * from './lifecycle-event';
export * from './lifecycle-hook';
