import type { EscalationSeverity } from '../../domain/lifecycle';

/** The alert workflow's type name, as the API starts it (workflows/escalations/alert.ts). */
export const ESCALATION_ALERT_WORKFLOW_TYPE = 'escalationAlertWorkflow';

/** What the API hands the alert of an escalation it opened itself. */
export interface EscalationAlertInput {
  escalationId: string;
  /** The first page's text: ids, reasons and tracking numbers, never a customer's name or address. */
  summary: string;
  severity: EscalationSeverity;
  timeScale: number;
}
