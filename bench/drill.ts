import { runSuite } from './lib/cli';
import { DRILLS } from './drills';

/** `npm run drill [-- <name>…] [--smoke]`: every resilience drill, or the ones named. A drill that fails exits 1. */
await runSuite(
  'drill',
  Object.fromEntries(
    Object.entries(DRILLS).map(([name, drill]) => [
      name,
      async (options) => {
        if (!(await drill(options))) throw new Error(`drill ${name} failed its verdict`);
      },
    ]),
  ),
  process.argv.slice(2),
  // Every --key=value some drill reads (options.args in bench/drills.ts, bench/cluster-drill.ts), with the value it takes;
  // any other is refused as a typo.
  {
    orders: 'number',
    adaptive: 'text',
    drain: 'number',
    'down-s': 'number',
    'drain-min': 'number',
    'start-rate': 'number',
    from: 'text',
    stop: ['term', 'kill9'],
    'time-scale': 'number',
    'place-s': 'number',
  },
);
