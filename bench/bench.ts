import { cost } from './cost';
import { habits } from './habits';
import { history } from './history';
import { intake } from './intake';
import { runSuite } from './lib/cli';
import { memory } from './memory';
import { packing } from './packing';
import { report } from './report';
import { reservation } from './reservation';
import { throughput } from './throughput';
import { versus } from './versus';
import { workflowMemory } from './workflow-memory';

/** `npm run bench [-- <name>…] [--smoke]`: every benchmark, or the ones named. */
await runSuite(
  'benchmark',
  { throughput, intake, reservation, packing, memory, 'workflow-memory': workflowMemory, cost, versus, report, habits, history },
  process.argv.slice(2),
  // Every --key=value some benchmark reads (options.args in bench/*.ts), with the value it takes; any other is refused as a typo.
  {
    runs: 'number',
    single: 'number',
    split: 'number',
    'cpu-prof': 'text',
    rates: 'numbers',
    seconds: 'number',
    steps: 'text',
    generators: 'text',
    'start-rate': 'number',
    concurrency: 'number',
    orders: 'numbers',
    iterations: 'number',
    by: 'text',
    running: 'numbers',
    shipments: 'numbers',
    'budget-min': 'number',
    'max-cached': 'number',
    'time-scale': 'number',
    variants: 'text',
    clocks: 'numbers',
    cutoff: 'text',
    'save-histories': 'text',
    'timeout-min': 'number',
    base: 'text',
    new: 'text',
    'reference-app-bin': 'text',
    calls: 'number',
    months: 'number',
  },
);
