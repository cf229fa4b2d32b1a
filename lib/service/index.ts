export * from './blue-green-service';
export * from './traffic-shifting';
