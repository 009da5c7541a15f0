import { TestWorkflowEnvironment } from '@temporalio/testing';
import { inject } from 'vitest';

/** Temporal's time-skipping test server (a real server; days of timers pass in milliseconds). */
export function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: inject('temporalTestServerPath') } },
  });
}

/** The run's shared Temporal dev server: the same server `npm start` runs, with search attributes. */
export function connectDevServer(namespace = 'default'): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createFromExistingServer({ address: inject('temporalDevAddress'), namespace });
}
