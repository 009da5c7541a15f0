import { runSuite } from './lib/cli';
import { throughput } from './throughput';

/** `npm run bench [-- <name>…] [--smoke]`: every benchmark, or the ones named. */
await runSuite('benchmark', { throughput }, process.argv.slice(2));
