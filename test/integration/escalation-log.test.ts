import { MockActivityEnvironment } from '@temporalio/testing';
import type { LogLevel, LogMetadata, Logger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEscalationActivities } from '../../activities/escalations';
import { insertNoCarrierEscalation } from '../api/fixtures';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * The line a worker logs when it pages ops names the escalation, not what it says: a journey's summary carries the
 * customer's city ("no carrier quoted 1 parcel(s) to Lyon"), and logs hold no part of an address.
 */
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.drop());

class Lines implements Logger {
  readonly written: { message: string; meta?: LogMetadata }[] = [];
  log(_level: LogLevel, message: string, meta?: LogMetadata): void {
    this.written.push({ message, ...(meta ? { meta } : {}) });
  }
  trace = (message: string, meta?: LogMetadata) => this.log('TRACE', message, meta);
  debug = (message: string, meta?: LogMetadata) => this.log('DEBUG', message, meta);
  info = (message: string, meta?: LogMetadata) => this.log('INFO', message, meta);
  warn = (message: string, meta?: LogMetadata) => this.log('WARN', message, meta);
  error = (message: string, meta?: LogMetadata) => this.log('ERROR', message, meta);
}

describe('paging ops for an escalation', () => {
  it('logs its id, reason, severity and order, never its summary', async () => {
    const { db } = database;
    const { orderId, escalationId } = await insertNoCarrierEscalation(db);
    const lines = new Lines();
    const summary = `order ${orderId} no_carrier (high): no carrier quoted 1 parcel(s) to Lyon (3 of 3 failed)`;
    const paged = await new MockActivityEnvironment(undefined, { logger: lines }).run(createEscalationActivities(db).notifyEscalation, {
      escalationId,
      dedupeKey: `${escalationId}:opened`,
      summary,
    });
    expect(paged).toEqual({ delivered: false });
    const line = lines.written.find((l) => l.message === 'escalation');
    expect(line?.meta).toMatchObject({ escalationId, reason: 'no_carrier', severity: 'high', orderId });
    expect(JSON.stringify(lines.written)).not.toContain('Lyon');
  });
});
