import { bundleWorkflowCode } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH, PAYLOAD_CONVERTER_PATH } from './data-converter';
import { asciiOnly, type BundleName, writeBundle } from './workflow-bundles';
import { NOTIFY_WORKFLOWS_PATH, WORKFLOWS_PATH } from './workflow-paths';

/**
 * Child process of `cachedWorkflowBundle`: bundles one set of workflows with webpack and writes it
 * to `<base>.js` and `<base>.js.map`, then exits, taking webpack's memory with it.
 */

const quiet = { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop };
function noop(): void {}

const [name, base] = process.argv.slice(2) as [BundleName, string];
// The payload converter reads, in the sandbox, a signal typed in an encoding we never write as unreadable (a relay's
// `wake` too): before, reading it failed the workflow task on every retry.
const payloadConverterPath = PAYLOAD_CONVERTER_PATH;
const bundle =
  name === 'notify'
    ? await bundleWorkflowCode({ workflowsPath: NOTIFY_WORKFLOWS_PATH, payloadConverterPath, logger: quiet })
    : // The failure converter runs inside the workflow sandbox too: workflow failures are encoded like activity ones.
      await bundleWorkflowCode({
        workflowsPath: WORKFLOWS_PATH,
        failureConverterPath: FAILURE_CONVERTER_PATH,
        payloadConverterPath,
        logger: quiet,
      });
writeBundle(base, { ...bundle, code: asciiOnly(bundle.code) });
