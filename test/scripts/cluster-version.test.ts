import { execFileSync } from 'node:child_process';
import { describe, expect, inject, it } from 'vitest';
import { TEMPORAL_SERVER_VERSION } from '../../scripts/cluster/temporal-cluster';
import { TEMPORAL_CLI_VERSION } from '../../scripts/provision-temporal';

/**
 * `npm run cluster` builds the Temporal Server the dev server embeds (the "version matching
 * the dev server's"): bumping the pinned CLI without the cluster, or the reverse, fails here rather
 * than leaving the drill proving Colis on another server than the tests run on.
 */
/** The server each pinned CLI release embeds (its `temporal --version`); a new pin adds its line. */
const EMBEDDED_SERVER: Readonly<Record<string, string>> = { '1.9.1': '1.32.0' };

describe('the self-hosted cluster and the dev server', () => {
  it("run the same Temporal Server version (the pinned CLI's embedded server)", () => {
    expect(EMBEDDED_SERVER[TEMPORAL_CLI_VERSION], `which server does CLI ${TEMPORAL_CLI_VERSION} embed?`).toBe(TEMPORAL_SERVER_VERSION);
    const version = execFileSync(inject('temporalCliPath'), ['--version'], { encoding: 'utf8' });
    const cli = /temporal version (\S+)/.exec(version)?.[1];
    // A CLI from PATH or TEMPORAL_CLI_PATH may be another release; the pinned one must say what the table says.
    if (cli === TEMPORAL_CLI_VERSION) expect(/\(Server ([^,)]+)/.exec(version)?.[1]).toBe(TEMPORAL_SERVER_VERSION);
  });
});
