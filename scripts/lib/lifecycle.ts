import { logLine } from './log';

/**
 * What `npm start` started, in order, so that however it ends (Ctrl-C, a failed start, a part that
 * dies while running) it stops exactly those parts, in reverse, and says truthfully what happened to
 * each. A part that ends by itself while running ends the whole instance: it never runs over a dead part.
 */

export class StartInterrupted extends Error {
  constructor(readonly signal: string) {
    super(`${signal} during start-up`);
    this.name = 'StartInterrupted';
  }
}

/** What a part's stop may answer: it had ended by itself before it was asked to stop. */
export const ALREADY_ENDED = 'already ended';

/** A server under supervision: its stop, and a promise that settles with why it ended ('stopped' when asked to). */
export interface SupervisedPart {
  stop(): Promise<unknown>;
  ended: Promise<string>;
}

/** Three restarts within ten minutes: a crash now and then is survived, a crash loop is not hidden. */
export const RESTART_POLICY = { restarts: 3, windowMs: 10 * 60_000 } as const;

interface Part {
  name: string;
  stop: () => Promise<unknown>;
}

export class Lifecycle {
  private readonly parts: Part[] = [];
  private running = false;
  private interruptedBy: string | undefined;
  private stopping = false;

  constructor(private readonly onStopped: (code: number) => never) {}

  /** Records a part that is now running; it will be stopped, in reverse order, whatever happens. */
  started(name: string, stop: () => Promise<unknown>): void {
    this.parts.push({ name, stop });
  }

  /** Between start-up steps: stops the start-up when a signal arrived during the last step. */
  checkpoint(): void {
    if (this.interruptedBy) throw new StartInterrupted(this.interruptedBy);
  }

  /** Everything is up: from now on a signal stops the instance at once. */
  nowRunning(): void {
    this.checkpoint();
    this.running = true;
  }

  /**
   * A server of the instance that can crash (the embedded PostgreSQL, the Temporal dev server): when it ends without
   * being asked to, it is started again on its own data, as a process manager would, and the orders go on (the
   * workers and the API reconnect; what failed meanwhile is retried). A server that keeps crashing (`restarts`
   * within `windowMs`) or cannot start again ends the instance, loudly, as before.
   */
  supervise(name: string, first: SupervisedPart, startAgain: () => Promise<SupervisedPart>, policy = RESTART_POLICY): void {
    let current = first;
    const restartedAt: number[] = [];
    this.started(name, () => current.stop());
    const follow = (part: SupervisedPart) => {
      void part.ended.then(async (reason) => {
        if (this.stopping || reason === 'stopped') return;
        const now = Date.now();
        while (restartedAt.length > 0 && now - (restartedAt[0] ?? now) > policy.windowMs) restartedAt.shift();
        if (restartedAt.length >= policy.restarts) {
          const window = `${Math.round(policy.windowMs / 60_000)} min`;
          void this.shutdown(`${name} stopped unexpectedly ${policy.restarts + 1} times within ${window}: ${reason}`, 1);
          return;
        }
        restartedAt.push(now);
        logLine('colis', `${name} stopped unexpectedly: ${reason}; starting it again (${restartedAt.length} of ${policy.restarts})`);
        try {
          current = await startAgain();
        } catch (error) {
          void this.shutdown(`${name} could not start again: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, 1);
          return;
        }
        if (this.stopping) {
          // The shutdown came while it was starting, and found only the dead one to stop: this one is stopped here.
          await current.stop().catch(() => undefined);
          return;
        }
        logLine('colis', `${name} is running again`);
        follow(current);
      });
    };
    follow(first);
  }

  /** A part that can end by itself (a crashed server): its end ends the instance, loudly. */
  watch(name: string, ended: Promise<string>): void {
    void ended.then((reason) => {
      if (!this.stopping && reason !== 'stopped') void this.shutdown(`${name} stopped unexpectedly: ${reason}`, 1);
    });
  }

  signal(signal: string): void {
    // Told twice (Ctrl-C reaches this process from the terminal and from npm start's bootstrap, which passes it on): once.
    if (this.stopping || this.interruptedBy !== undefined) return;
    if (this.running) {
      void this.shutdown(signal, 0);
      return;
    }
    // During start-up the current step finishes, then the start-up stops at its next checkpoint;
    // a step that hangs does not hold the instance hostage.
    this.interruptedBy = signal;
    logLine('colis', `${signal}: start-up stops after the current step`);
    setTimeout(() => void this.shutdown(`${signal} during start-up (a step did not finish within 30 s)`, 1), 30_000).unref();
  }

  /** Stops every started part in reverse order, reports each truthfully, and ends the process. */
  async shutdown(reason: string, code: number): Promise<never> {
    if (this.stopping) return new Promise<never>(() => {});
    this.stopping = true;
    logLine('colis', `${reason}: stopping`);
    setTimeout(() => {
      logLine('colis', `stopping took longer than 45 s; exiting with ${this.parts.map((p) => p.name).join(', ')} possibly still running`);
      this.onStopped(1);
    }, 45_000).unref();
    let failures = 0;
    const stopped: string[] = [];
    for (const part of [...this.parts].reverse()) {
      try {
        const outcome = await part.stop();
        stopped.push(part.name);
        logLine('colis', outcome === ALREADY_ENDED ? `${part.name} had already ended` : `stopped ${part.name}`);
      } catch (error) {
        failures += 1;
        logLine('colis', `stopping ${part.name} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    this.parts.length = 0;
    logLine(
      'colis',
      stopped.length === 0 && failures === 0
        ? 'nothing had been started'
        : `stopped ${stopped.length} part${stopped.length === 1 ? '' : 's'} this instance started${failures > 0 ? `; ${failures} failed to stop` : ''}`,
    );
    return this.onStopped(failures > 0 ? 1 : code);
  }
}
