import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPS_KEY, ROOT } from '../../bench/lib/stack';
import type { FulfilmentReport } from '../../api/services/process-report';

/**
 * The fulfilment report of a simulation run, read through the API before its stack stops: the one place where
 * cost against hindsight, which only a simulation knows (OrderHindsight), shows by carrier, service, warehouse
 * and lane, with the stage that consumed the late orders' slack. Saved under bench/results/ (not committed).
 */
export async function saveFulfilmentReport(
  apiUrl: string,
  scenario: string,
  rules: string,
  log: (line: string) => void,
): Promise<string | undefined> {
  // The run's stack is fresh: every order in its database is the run's, whatever instants its clock wrote.
  const query = new URLSearchParams({ from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' });
  const response = await fetch(`${apiUrl}/reports/fulfilment?${query}`, { headers: { 'x-api-key': OPS_KEY } });
  if (!response.ok) {
    log(`fulfilment report not saved: ${response.status} ${await response.text()}`);
    return undefined;
  }
  const report = (await response.json()) as FulfilmentReport;
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `simulate-${scenario}-${rules}-fulfilment.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  const slack = report.promise.late.slackConsumedBy.map((s) => `${s.label} ${s.orders}`).join(', ');
  log(`fulfilment report saved to ${file}; late orders ${report.promise.late.orders} (slack consumed by: ${slack})`);
  return file;
}
