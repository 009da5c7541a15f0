import { describe, expect, it } from 'vitest';
import { missingWorkerSettings, WORKER_ENVIRONMENT, WORKER_NODE_FLAGS } from '../../worker/node-flags';

describe("a worker's Node flags and environment", () => {
  it('are found on the command line or in NODE_OPTIONS, and in the environment, whatever value an operator chose', () => {
    expect(missingWorkerSettings([...WORKER_NODE_FLAGS], { ...WORKER_ENVIRONMENT })).toEqual([]);
    expect(missingWorkerSettings(['--max-semi-space-size=4'], { MALLOC_ARENA_MAX: '4' })).toEqual([]);
    expect(missingWorkerSettings([], { NODE_OPTIONS: '--enable-source-maps --max-semi-space-size=1', MALLOC_ARENA_MAX: '1' })).toEqual([]);
  });

  it('are named when missing from a plain start', () => {
    expect(missingWorkerSettings([], {})).toEqual(['MALLOC_ARENA_MAX=1', '--max-semi-space-size=1']);
    expect(missingWorkerSettings(['--import', 'tsx'], { NODE_OPTIONS: '--max-old-space-size=2048', MALLOC_ARENA_MAX: '' })).toEqual([
      'MALLOC_ARENA_MAX=1',
      '--max-semi-space-size=1',
    ]);
    expect(missingWorkerSettings(['--max-semi-space-size=1'], {})).toEqual(['MALLOC_ARENA_MAX=1']);
  });
});
