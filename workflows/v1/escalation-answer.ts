import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import type { EscalationView, ResolveEscalationRequest } from '../../domain/journey';
import { DECISIONS_BY_REASON } from '../../domain/lifecycle';
import type { DomainErrorDetails } from '../../domain/errors';
import { RESOLVE_ESCALATION_REQUEST } from '../../domain/message-shapes';
import { refuseMalformed } from '../shared/message-guards';
import { db } from './activity-options';
import { resolveEscalationUpdate } from '../definitions';

/** The escalation a workflow is waiting on, and ops' answer once it came. */
export interface OpenEscalation {
  view: EscalationView;
  nextStepAtMs: number;
  answer?: ResolveEscalationRequest;
}

/**
 * Lets ops answer the open escalation of this workflow (order or shipment) through the
 * `resolveEscalation` update. The validator refuses, with the reason, an escalation that is not
 * the open one or a decision its reason does not allow; the handler stores the answer and closes
 * the escalation in the database. The workflow's own loop then acts on `answer`.
 */
export function answerEscalationsWith(current: () => OpenEscalation | undefined, owner: string): void {
  setHandler(
    resolveEscalationUpdate,
    async (answer) => {
      const open = current();
      if (!open) throw new Error('no escalation is open');
      open.answer = answer;
      await db.closeEscalation({
        escalationId: answer.escalationId,
        decision: answer.decision,
        resolvedBy: answer.resolvedBy,
        note: answer.note,
      });
      open.view.decision = answer.decision;
      open.view.resolvedAt = new Date().toISOString();
      return open.view;
    },
    {
      validator: (answer) => {
        refuseMalformed(resolveEscalationUpdate.name, RESOLVE_ESCALATION_REQUEST, answer);
        const open = current();
        if (!open || open.view.escalationId !== answer.escalationId || open.answer) {
          // Typed, so the API can tell "not open here" apart: its row may be open while this workflow is still opening it.
          const details: DomainErrorDetails['EscalationNotOpen'] = { escalationId: answer.escalationId, owner };
          throw ApplicationFailure.nonRetryable(`escalation ${answer.escalationId} is not open on ${owner}`, 'EscalationNotOpen', details);
        }
        const allowed = DECISIONS_BY_REASON[open.view.reason];
        if (!allowed.includes(answer.decision)) {
          throw new Error(`"${answer.decision}" does not answer a ${open.view.reason} escalation; choose one of ${allowed.join(', ')}`);
        }
      },
    },
  );
}
