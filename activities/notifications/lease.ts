/**
 * A relay's claim on one row (a mail, a webhook delivery) lasts one lease, so that a drain that dies frees it a lease
 * later. Work that may outlast the lease (a slow SMTP relay, each reply just within its socket timeout; an endpoint given
 * minutes to answer) runs with the claim renewed every third of a lease: otherwise the next drain (the activity's retry
 * after a missed heartbeat) found the claim lapsed and sent the same mail or post again, with no crash at all. A drain
 * that dies stops renewing, and its claim lapses one lease later as before.
 */
export async function whileClaimRenewed<T>(renewClaim: () => Promise<unknown>, leaseMs: number, work: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => {
    renewClaim().catch(() => {});
  }, leaseMs / 3);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
