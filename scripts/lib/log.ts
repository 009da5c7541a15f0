/** One prefixed line per event so the interleaved output of `npm start` stays readable. */
export function logLine(source: string, message: string): void {
  process.stdout.write(`[${source}] ${message}\n`);
}
