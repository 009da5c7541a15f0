import { execFileSync } from 'node:child_process';
import type { BenchOptions } from './cli';
import { ROOT } from './stack';

/**
 * What `npm run drill -- upgrade` runs: which release it upgrades from, how many orders it keeps in flight across the
 * upgrade, how the old processes are stopped, and the business clock the orders journey at.
 */
export interface UpgradePlan {
  /** The old release: a commit, as given (`--from`), or the release before the newest workflow patch. */
  from: string | undefined;
  orders: number;
  /** How the old worker and API end: SIGTERM (a deployment's stop) or kill -9 (a node lost mid-task). */
  stop: 'term' | 'kill9';
  /** Business seconds per real second: slow enough that the orders placed over `placeSeconds` spread over every stage. */
  timeScale: number;
  /** Orders are placed evenly over this long through the old API; the upgrade starts once the last is placed. */
  placeSeconds: number;
  /** Share of the orders completed before the upgrade that ask for a return, so returns are in flight too. */
  returnShare: number;
  /** How long the orders and returns get to finish on the new release. */
  drainMs: number;
}

/** The file that lists the patches taken by every generation (`LATER_PATCHES`): its newest change adds the newest patch. */
const PATCH_LIST = 'workflows/shared/generation.ts';

/** Reads the drill's options (`--from`, `--orders`, `--stop`, `--time-scale`, `--place-s`, `--drain-min`); throws naming a bad one. */
export function upgradePlan(options: BenchOptions): UpgradePlan {
  const { args, smoke } = options;
  const stop = args.stop ?? 'term';
  if (stop !== 'term' && stop !== 'kill9') throw new Error(`--stop takes term or kill9, not --stop=${stop}`);
  const from = args.from;
  if (from !== undefined && !/^[\w./~^-]+$/.test(from)) throw new Error(`--from takes a commit (hash, tag or ref), not --from=${from}`);
  return {
    from,
    orders: Number(args.orders ?? (smoke ? 16 : 200)),
    stop,
    timeScale: Number(args['time-scale'] ?? 10_000),
    placeSeconds: Number(args['place-s'] ?? (smoke ? 30 : 90)),
    returnShare: 0.3,
    drainMs: Number(args['drain-min'] ?? (smoke ? 5 : 20)) * 60_000,
  };
}

const git = (...args: string[]) => execFileSync('git', ['-C', ROOT, ...args], { encoding: 'utf8' }).trim();

/** The full hash of a commit of this repository (a hash, tag or ref such as HEAD). */
export const resolveCommit = (ref: string): string => git('rev-parse', '--verify', `${ref}^{commit}`);

/** Whether this checkout's tracked files differ from its commit: its figures then name no commit. */
export const hasUncommittedChanges = (): boolean => git('status', '--porcelain', '--untracked-files=no') !== '';

/**
 * The old release by default: the parent of the newest commit that changed the patch list, so the upgrade crosses
 * the newest workflow patch (and whatever migrations and code came since). Its full hash.
 */
export function resolveOldRelease(from: string | undefined): { sha: string; why: string } {
  if (from !== undefined) return { sha: resolveCommit(from), why: '--from' };
  const patched = git('log', '-1', '--format=%H', '--', PATCH_LIST);
  if (patched === '') throw new Error(`no commit changed ${PATCH_LIST}: give the old release with --from=<commit>`);
  return { sha: resolveCommit(`${patched}^`), why: `the release before ${patched.slice(0, 7)}, the newest workflow patch` };
}
