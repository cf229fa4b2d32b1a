/**
 * The events of a CodeDeploy blue/green deployment on Amazon ECS at which a hook can run,
 * named as in the AppSpec file.
 */
export enum LifecycleEvent {
  /** Before the replacement (green) task set is created. A failure here cannot roll back: nothing has changed yet. */
  BEFORE_INSTALL = 'BeforeInstall',
  /** After the green task set is created, before any listener routes to it. */
  AFTER_INSTALL = 'AfterInstall',
  /** After the test listener routes to the green task set; production still goes to blue. */
  AFTER_ALLOW_TEST_TRAFFIC = 'AfterAllowTestTraffic',
  /** Just before production traffic starts moving to the green task set. */
  BEFORE_ALLOW_TRAFFIC = 'BeforeAllowTraffic',
  /** After production traffic has moved to the green task set, before blue is terminated. */
  AFTER_ALLOW_TRAFFIC = 'AfterAllowTraffic',
}

