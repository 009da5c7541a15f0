/** The error `attempt` rejects with; a test that expected a failure fails when it resolves. */
export async function failureOf(attempt: Promise<unknown>): Promise<unknown> {
  try {
    await attempt;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}
