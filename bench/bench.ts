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
);
