import { ApplicationFailure } from '@temporalio/workflow';
import { FINAL_RETURN_STATUSES, inspectionProblems, type ReturnStatus } from '../../domain/return-policy';
import type { ReturnInspectionInput } from './definitions';

/** Where the return stands when the warehouse reports what it found in the parcel. */
export interface InspectionGate {
  returnId: string;
  status: ReturnStatus;
  alreadyInspected: boolean;
  lines: readonly { lineNo: number; quantity: number }[];
}

/**
 * The inspect update's validator: refuses, before anything is recorded in history, an inspection the
 * return cannot take now (already inspected, closed, or no label yet) or whose lines do not add up.
 */
export function validateInspection(gate: InspectionGate, inspection: ReturnInspectionInput): void {
  if (gate.alreadyInspected || FINAL_RETURN_STATUSES.includes(gate.status)) {
    throw ApplicationFailure.nonRetryable(`return ${gate.returnId} is ${gate.status}: nothing to inspect`, 'ReturnStateConflict');
  }
  if (gate.status === 'requested') {
    throw ApplicationFailure.nonRetryable(`return ${gate.returnId} has no label yet: nothing can have arrived`, 'ReturnStateConflict');
  }
  const problems = inspectionProblems(gate.lines, inspection.lines);
  if (problems.length > 0) throw new Error(problems.map((p) => p.message).join('; '));
}
