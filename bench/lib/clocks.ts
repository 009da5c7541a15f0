/**
 * The business clocks the benchmarks and drills run (COLIS_TIME_SCALE): the demo's, what `npm start` runs (a business
 * day a minute), and instant (a business day in 86 ms), so a week of journeys takes seconds. Configuration must accept
 * both (test/unit/config.test.ts): a tighter bound once left every drill refusing to start.
 */
export const DEMO_CLOCK = 1440;
export const INSTANT_CLOCK = 1e6;
