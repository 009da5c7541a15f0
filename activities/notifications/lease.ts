/**
 * A relay's claim on one row (a mail, a webhook delivery) lasts one lease, so that a drain that dies frees it a lease
 * later. Work that may outlast the lease (a slow SMTP relay, each reply just within its socket timeout; an endpoint given
 * minutes to answer) runs with the claim renewed every third of a lease: otherwise the next drain (the activity's retry
 * after a missed heartbeat) found the claim lapsed and sent the same mail or post again, with no crash at all. A drain
 * that dies stops renewing, and its claim lapses one lease later as before.
 *
 * `onRenew` runs at each renewal: the relays heartbeat there. A drain heartbeated only between sends, so one send longer
 * than the drain's 45 s heartbeat timeout (a relay taking 25 s per SMTP reply, an endpoint given COLIS_WEBHOOK_TIMEOUT_MS
 * of a minute) had the activity declared dead while it worked: retried beside it, a second drain held a second
 * colis-notify slot and posted the relay's other due rows at the same time.
 */
export async function whileClaimRenewed<T>(
  renewClaim: () => Promise<unknown>,
  leaseMs: number,
  work: () => Promise<T>,
  onRenew: () => void = () => {},
): Promise<T> {
  const timer = setInterval(() => {
    renewClaim().catch(() => {});
    try {
      onRenew();
    } catch {
      // The activity is being cancelled or has ended: the work's own timeout ends it.
    }
  }, leaseMs / 3);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/**
 * Writes down what was just sent (a mail marked sent, a webhook's attempt), asked again while PostgreSQL does not answer,
 * for at most `withinMs` (callers give half a lease: the claim, renewed a third of a lease ago at most, is still theirs).
 * The send cannot be taken back; a record that gave up at the first error left the row claimed and pending, and the next
 * drain once the claim lapsed sent the same mail or webhook again: a hostile drill that killed PostgreSQL -9 four times
 * in a minute saw 8 mails and 5 webhooks delivered twice. Only a process that dies between the send and the record
 * repeats it now (once, with the same Message-ID or webhook-id).
 */
export async function untilRecorded<T>(record: () => Promise<T>, withinMs: number, onPause: () => void = () => {}): Promise<T> {
  const giveUpAt = Date.now() + withinMs;
  for (let tries = 0; ; tries++) {
    try {
      return await record();
    } catch (error) {
      const pauseMs = Math.min(1_000, 50 * 2 ** tries);
      if (Date.now() + pauseMs > giveUpAt) throw error;
      onPause();
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  }
}
