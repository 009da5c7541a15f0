import { cost } from './cost';
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
  { throughput, intake, reservation, packing, memory, 'workflow-memory': workflowMemory, cost, versus, report },
  process.argv.slice(2),
  // Every --key=value some benchmark reads (options.args in bench/*.ts); any other is refused as a typo.
  [
    'runs',
    'single',
    'split',
    'cpu-prof',
    'rates',
    'seconds',
    'steps',
    'generators',
    'start-rate',
    'concurrency',
    'orders',
    'iterations',
    'by',
    'running',
    'shipments',
    'budget-min',
    'max-cached',
    'time-scale',
    'variants',
    'clocks',
    'cutoff',
    'save-histories',
    'timeout-min',
    'base',
    'new',
    'reference-app-bin',
    'calls',
  ],
);
