import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { sweepPersonalData } from '../../services/personal-data-retention';

/**
 * Runs the retention sweep (services/personal-data-retention.ts) from every API process, as the intake and return sweeps
 * run: a minute after the app is ready, then an hour after each pass ends (a minute while a backlog is left, as when
 * retention is first enabled on years of orders), until it closes. Processes sweeping together
 * share the batches (SKIP LOCKED); a pass cut short by a crash is finished by the next one, here or in another process.
 */

const FIRST_PASS_AFTER_MS = 60_000;
const PASS_EVERY_MS = 60 * 60_000;
const BACKLOG_PASS_AFTER_MS = 60_000;

export default fp(
  async function personalDataRetention(app: FastifyInstance) {
    let timer: NodeJS.Timeout | undefined;
    let closed = false;
    const log = app.log.child({ component: 'personal-data-retention' });
    const settings = {
      retentionDays: app.config.personalDataRetentionDays,
      answerReplayDays: app.config.opsAnswerReplayDays,
      timeScale: app.config.timeScale,
    };
    const pass = () => {
      let next = PASS_EVERY_MS;
      sweepPersonalData(app.db, settings)
        .then((done) => {
          if (done.more) next = BACKLOG_PASS_AFTER_MS;
          if (done.ordersErased + done.answersDropped + done.webhookEventsCleaned > 0) log.info(done, 'personal data retention pass');
        })
        .catch((error: unknown) =>
          log.warn({ err: error instanceof Error ? error.message : String(error) }, 'retention pass failed; retrying'),
        )
        .finally(() => {
          if (closed) return;
          timer = setTimeout(pass, next);
          timer.unref();
        });
    };
    app.addHook('onReady', async () => {
      timer = setTimeout(pass, FIRST_PASS_AFTER_MS);
      timer.unref();
    });
    app.addHook('onClose', async () => {
      closed = true;
      if (timer) clearTimeout(timer);
    });
  },
  { name: 'personal-data-retention' },
);
