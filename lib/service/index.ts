export * from './blue-green-service-base';
export * from './blue-green-service-attributes';
export * from './blue-green-service-props';
export * from './blue-green-service';
export * from './traffic-shifting';
export * from './lifecycle-event';
export * from './lifecycle-hook';
export * from './deployment-engine';
