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

  /** A part that can end by itself (a crashed server): its end ends the instance, loudly. */
  watch(name: string, ended: Promise<string>): void {
    void ended.then((reason) => {
      if (!this.stopping && reason !== 'stopped') void this.shutdown(`${name} stopped unexpectedly: ${reason}`, 1);
    });
  }

  signal(signal: string): void {
    if (this.stopping) return;
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
