import type { WorkflowExecutionStatusName } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { returnWorkflowDeletedOf, returnWorkflowEndedOf, workflowDeletedOf, workflowEndedOf } from '../../api/services/workflow-ended';
import { WorkflowEndedSchema } from '../../domain/api';
import type { OrderStage } from '../../domain/lifecycle';

/** Which closed runs an order's view names, by Temporal's status and the order's stored stage. */

const closeTime = new Date('2025-03-04T10:00:00.000Z');
const described = (name: WorkflowExecutionStatusName) => ({
  workflowId: 'order-ORD-1',
  status: { code: 0, name },
  closeTime: name === 'RUNNING' ? undefined : closeTime,
});
const stage = (value: OrderStage) => ({ stage: value });

describe('workflowEndedOf', () => {
  it.each([
    ['TERMINATED', 'terminated'],
    ['FAILED', 'failed'],
    ['TIMED_OUT', 'timed_out'],
    ['CANCELLED', 'cancelled'],
    ['COMPLETED', 'completed'],
  ] as const)('a %s run of an order still fulfilling is named %s, with when and the reset command', (name, status) => {
    const ended = workflowEndedOf(described(name), stage('fulfilling'));
    expect(WorkflowEndedSchema.parse(ended)).toEqual(ended);
    expect(ended).toMatchObject({ status, at: closeTime.toISOString() });
    expect(ended?.hint).toContain('temporal workflow reset -w order-ORD-1 --type');
  });

  it('a failed run is resumed from its first task (reset to its last, it takes the same failure again); the others from their last', () => {
    expect(workflowEndedOf(described('FAILED'), stage('fulfilling'))?.hint).toContain(
      'temporal workflow reset -w order-ORD-1 --type FirstWorkflowTask (its last task is the one that failed it)',
    );
    expect(returnWorkflowEndedOf({ ...described('FAILED'), workflowId: 'return-RMA-1' })?.hint).toContain('--type FirstWorkflowTask');
    for (const name of ['TERMINATED', 'TIMED_OUT', 'CANCELLED'] as const) {
      expect(workflowEndedOf(described(name), stage('fulfilling'))?.hint).toContain('--type LastWorkflowTask');
    }
  });

  it('a run that has not ended, or may not have, is not named', () => {
    for (const name of ['RUNNING', 'CONTINUED_AS_NEW', 'PAUSED', 'UNKNOWN', 'UNSPECIFIED'] as const) {
      expect(workflowEndedOf(described(name), stage('fulfilling'))).toBeUndefined();
    }
  });

  it('an order at a final stage is over whatever became of its run', () => {
    for (const final of ['completed', 'cancelled', 'failed'] as const) {
      expect(workflowEndedOf(described('TERMINATED'), stage(final))).toBeUndefined();
    }
    expect(workflowEndedOf(described('TERMINATED'), stage('received'))).toMatchObject({ status: 'terminated' });
  });
});

describe('workflowDeletedOf', () => {
  it('an order still fulfilling whose workflow Temporal no longer knows is named deleted, without a time and with no reset to offer', () => {
    const deleted = workflowDeletedOf('order-ORD-1', stage('fulfilling'));
    expect(WorkflowEndedSchema.parse(deleted)).toEqual(deleted);
    expect(deleted).toMatchObject({ status: 'deleted' });
    expect(deleted).not.toHaveProperty('at');
    expect(deleted?.hint).toContain('Temporal no longer knows workflow order-ORD-1');
    expect(deleted?.hint).not.toContain('temporal workflow reset');
  });

  it('an order at a final stage wrote its end: nothing to say', () => {
    for (const final of ['completed', 'cancelled', 'failed'] as const)
      expect(workflowDeletedOf('order-ORD-1', stage(final))).toBeUndefined();
  });
});

describe('returnWorkflowEndedOf and returnWorkflowDeletedOf', () => {
  const ofReturn = (name: WorkflowExecutionStatusName) => ({ ...described(name), workflowId: 'return-RMA-1' });

  it('a closed run of a return is named by how it closed, with when and the reset command; a running one is not named', () => {
    const ended = returnWorkflowEndedOf(ofReturn('TERMINATED'));
    expect(WorkflowEndedSchema.parse(ended)).toEqual(ended);
    expect(ended).toMatchObject({ status: 'terminated', at: closeTime.toISOString() });
    expect(ended?.hint).toContain('temporal workflow reset -w return-RMA-1 --type LastWorkflowTask');
    expect(ended?.hint).not.toContain('shipments');
    expect(returnWorkflowEndedOf(ofReturn('COMPLETED'))?.hint).toContain('--type FirstWorkflowTask');
    for (const name of ['RUNNING', 'CONTINUED_AS_NEW', 'PAUSED'] as const) expect(returnWorkflowEndedOf(ofReturn(name))).toBeUndefined();
  });

  it('a return whose workflow Temporal no longer knows is named deleted, without a time and with no reset to offer', () => {
    const deleted = returnWorkflowDeletedOf('return-RMA-1');
    expect(WorkflowEndedSchema.parse(deleted)).toEqual(deleted);
    expect(deleted).not.toHaveProperty('at');
    expect(deleted.hint).toContain('Temporal no longer knows workflow return-RMA-1');
    expect(deleted.hint).toContain('cannot be reset');
    expect(deleted.hint).not.toContain('temporal workflow reset');
  });
});
