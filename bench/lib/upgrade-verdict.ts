import { existsSync, readFileSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import type { Db } from '../../activities/db';
import { SimulatorSnapshotSchema } from '../../scripts/carrier-simulator/simulator-store';
import { checkIntegrity, type Integrity, integrityProblems } from './integrity';
import type { JourneyStages } from './journey-stages';
import { fmt, printTable, writeResult } from './report';
import type { TaskFailureScan } from './task-failures';
import type { UpgradePlan } from './upgrade-options';

/** What the upgrade drill saw, from intake to the last history read. */
export interface UpgradeFigures {
  plan: UpgradePlan;
  oldRelease: string;
  newRelease: string;
  intake: { orderIds: string[]; refused: number; returnIds: string[]; returnsRefused: string[]; returnsAskedAgain: number };
  atUpgrade: JourneyStages;
  atEnd: JourneyStages;
  upgrade: { migrationsApplied: string[]; workerGapS: number; apiGapS: number };
  drained: boolean;
  returns: { byStatus: Record<string, number>; inspectionsRefused: string[]; inspectionsAskedAgain: number; done: boolean };
  seconds: number;
  tasks: TaskFailureScan;
}

/** Runs that ended in a way no order of a healthy upgrade ends: its work lost. */
const LOST_RUN_STATUSES = ['FAILED', 'TERMINATED', 'TIMED_OUT', 'CANCELLED'];

/**
 * The verdict: the drills' integrity (every order completed, one label per shipment in our books and the carriers',
 * the ledger balanced, nothing oversold), every return final with one return label, no run failed, and no workflow
 * task that failed for nondeterminism. Prints the table, the VERDICT line and, last, `RESULT {json}`.
 */
export async function judgeUpgrade(
  parts: { db: Db; client: Client; simulatorStateFile: string },
  f: UpgradeFigures,
  smoke: boolean,
): Promise<boolean> {
  const returnLabels = returnLabelsAtCarriers(parts.simulatorStateFile, f.intake.returnIds);
  // The carriers' books count the return labels too; the shipments' check compares the outbound ones.
  const integrity: Integrity = { ...(await checkIntegrity(parts, f.intake.orderIds)), carrierLabelsSold: 0 };
  integrity.carrierLabelsSold = carrierLabelsSold(parts.simulatorStateFile) - returnLabels.sold;
  const lostRuns = LOST_RUN_STATUSES.reduce((n, s) => n + (f.tasks.runsByStatus[s] ?? 0), 0);
  const otherTaskFailures = Object.values(f.tasks.taskFailuresByCause).reduce((n, c) => n + c, 0) - f.tasks.nondeterministic;
  const problems = [
    ...integrityProblems(integrity),
    ...(f.intake.refused > 0 ? [`${f.intake.refused} orders refused at intake`] : []),
    ...(f.atUpgrade.ordersInFlight === 0 ? ['no order was in flight at the upgrade: the drill proved nothing'] : []),
    ...(f.tasks.nondeterministic > 0 ? [`${f.tasks.nondeterministic} workflow tasks failed with a nondeterminism error`] : []),
    ...(f.tasks.unexpected > 0 ? [`${f.tasks.unexpected} workflow tasks failed by workflow code (not an ordinary race)`] : []),
    ...(lostRuns > 0 ? [`${lostRuns} workflow runs failed, terminated, timed out or cancelled`] : []),
    ...(f.returns.done ? [] : [`returns not all final: ${JSON.stringify(f.returns.byStatus)}`]),
    ...(returnLabels.severalForOne > 0 ? [`carriers sold several labels for ${returnLabels.severalForOne} returns`] : []),
    ...f.intake.returnsRefused.map((r) => `return refused: ${r}`),
    ...f.returns.inspectionsRefused.map((r) => `inspection refused: ${r}`),
  ];
  const verdict = problems.length === 0 ? 'PASS' : 'FAIL';
  printReport(f, integrity, returnLabels.sold, otherTaskFailures);
  process.stdout.write(
    `\nVERDICT upgrade: ${verdict} — ${f.oldRelease.slice(0, 7)} → ${f.newRelease.slice(0, 7)} (${f.plan.stop}): ` +
      `${integrity.completed}/${integrity.orders} orders completed, ${f.atUpgrade.ordersInFlight} of them in flight at the upgrade; ` +
      `${f.intake.returnIds.length} returns; ${f.tasks.nondeterministic} nondeterminism failures in ${f.tasks.runs} runs` +
      (problems.length > 0 ? `\n  problems: ${problems.join('; ')}` : '') +
      '\n',
  );
  const result = {
    verdict,
    problems,
    from: f.oldRelease,
    to: f.newRelease,
    stop: f.plan.stop,
    orders: integrity.orders,
    completed: integrity.completed,
    inFlightAtUpgrade: f.atUpgrade.ordersInFlight,
    returns: f.intake.returnIds.length,
    returnsByStatus: f.returns.byStatus,
    runs: f.tasks.runs,
    taskFailuresByCause: f.tasks.taskFailuresByCause,
    nondeterministic: f.tasks.nondeterministic,
    unexpectedTaskFailures: f.tasks.unexpected,
    seconds: Math.round(f.seconds),
  };
  writeResult(`drill-upgrade${smoke ? '-smoke' : ''}`, { ...result, integrity, figures: f, examples: f.tasks.examples });
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  return problems.length === 0;
}

function printReport(f: UpgradeFigures, i: Integrity, returnLabelsSold: number, otherTaskFailures: number): void {
  const rows: (string | number)[][] = [
    ['old release → new release', `${f.oldRelease.slice(0, 7)} → ${f.newRelease.slice(0, 7)}`],
    ['old processes stopped with', f.plan.stop === 'kill9' ? 'kill -9' : 'SIGTERM'],
    ['migrations applied by the new release', f.upgrade.migrationsApplied.length],
    ['no worker / no API for s', `${fmt(f.upgrade.workerGapS)} / ${fmt(f.upgrade.apiGapS)}`],
    ['orders at the upgrade', `${f.atUpgrade.orders}; accepted, not started ${f.atUpgrade.notStarted}`],
    ['shipments at the upgrade', f.atUpgrade.shipments],
    ['returns at the upgrade', f.atUpgrade.returns],
    ['escalations at the upgrade: open / raised so far', `${f.atUpgrade.openEscalations} / ${f.atUpgrade.escalations}`],
    ['orders completed', `${i.completed}/${i.orders}`],
    ['shipments at the end', f.atEnd.shipments],
    ['returns at the end', f.atEnd.returns],
    ['escalations at the end: open / raised', `${f.atEnd.openEscalations} / ${f.atEnd.escalations}`],
    ['labels in database (voided) / sold by carriers', `${i.labelsInDb} (${i.labelsVoided}) / ${i.carrierLabelsSold}`],
    ['return labels sold by carriers', returnLabelsSold],
    [
      'returns / inspections asked again (no answer or 5xx, same key)',
      `${f.intake.returnsAskedAgain} / ${f.returns.inspectionsAskedAgain}`,
    ],
    ['shipments with >1 label (ours / carriers)', `${i.shipmentsWithSeveralLabels} / ${i.carrierShipmentsWithSeveralLabels}`],
    ['ledger mismatches / levels oversold / units still reserved', `${i.ledgerMismatches} / ${i.negativeOrOversold} / ${i.stillReserved}`],
    ['workflow runs read (by status)', `${f.tasks.runs} (${JSON.stringify(f.tasks.runsByStatus)})`],
    [
      'workflow tasks failed: nondeterminism / code / ordinary races',
      `${f.tasks.nondeterministic} / ${f.tasks.unexpected} / ${otherTaskFailures - f.tasks.unexpected}`,
    ],
    ['task failures by cause', JSON.stringify(f.tasks.taskFailuresByCause)],
    ['wall time s', fmt(f.seconds)],
  ];
  printTable('drill upgrade', ['what', 'count'], rows);
  for (const e of f.tasks.examples) process.stdout.write(`  task failure: ${e.type} ${e.workflowId} ${e.cause}: ${e.message}\n`);
}

function snapshot(stateFile: string) {
  return existsSync(stateFile) ? SimulatorSnapshotSchema.parse(JSON.parse(readFileSync(stateFile, 'utf8'))) : { carriers: {}, labels: [] };
}

/** Every label the simulated carriers sold, outbound and return, from their own books. */
function carrierLabelsSold(stateFile: string): number {
  return Object.values(snapshot(stateFile).carriers).reduce((n, c) => n + c.labelsSold, 0);
}

/**
 * The return labels among them (the carriers file a return's label under `return:<return id>`), and the drill's returns
 * that got more than one.
 */
function returnLabelsAtCarriers(stateFile: string, returnIds: string[]): { sold: number; severalForOne: number } {
  const ids = new Set(returnIds.map((id) => `return:${id}`));
  const returnLabels = snapshot(stateFile).labels.filter((l) => l.shipmentId.startsWith('return:'));
  const perReturn = new Map<string, number>();
  for (const label of returnLabels.filter((l) => ids.has(l.shipmentId)))
    perReturn.set(label.shipmentId, (perReturn.get(label.shipmentId) ?? 0) + 1);
  return { sold: returnLabels.length, severalForOne: [...perReturn.values()].filter((n) => n > 1).length };
}
