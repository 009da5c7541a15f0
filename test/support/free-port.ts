import { freePort } from '../../scripts/lib/ports';

/**
 * A port the OS called free can be taken before the server binds it: it comes from the range outgoing connections
 * take their local ports from, and other test runs open many (seen once: "bind: address already in use", and the
 * whole suite failed to start; later a Temporal dev server of the browser tests). Another free port is tried then.
 */
export async function onAFreePort<T>(start: (port: number) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (error) {
      const taken = error instanceof Error && error.message.includes('address already in use');
      if (!taken || attempt >= attempts) throw error;
    }
  }
}
