/**
 * One POST as a shop or ops send it: a JSON body under an API key and an Idempotency-Key (the caller keeps the key to
 * ask again with it). Status 0 when no answer came (connection refused or cut, 30 s timeout); the body parsed when
 * it is JSON, else its text.
 */
export async function postJson(
  apiUrl: string,
  path: string,
  apiKey: string,
  body: unknown,
  idempotencyKey: string,
): Promise<{ status: number; json: unknown }> {
  try {
    const response = await fetch(`${apiUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey, 'idempotency-key': idempotencyKey },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: response.status, json };
  } catch {
    return { status: 0, json: undefined };
  }
}
