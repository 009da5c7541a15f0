import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config';
import { runningBanner } from '../../scripts/lib/banner';
import { temporalTarget } from '../../worker/temporal-config';
import { notifyConfigFrom } from '../../activities/notifications/config';

/** The banner `npm start` prints once running goes to the terminal and to whatever log keeps it. */
describe("npm start's running banner", () => {
  // A shop webhook receiver behind a token in its query: the banner printed the URL whole. (One with a user and password
  // in it is refused at start-up now: test/unit/config.test.ts.)
  it("shows the shop webhook's host and path, never its query", () => {
    const config = loadConfig({
      COLIS_TIME_SCALE: '1440',
      COLIS_SHOP_WEBHOOK_URL: 'https://shop.example.com/hooks?token=hunter3-token',
      COLIS_SHOP_WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
    });
    const banner = runningBanner({
      plan: { config, target: temporalTarget(config, '127.0.0.1:7233'), cli: undefined, dataDir: '/tmp/colis' },
      api: { url: 'http://127.0.0.1:3000' },
      uiUrl: 'http://localhost:8233',
      postgres: { url: 'postgresql://colis:pw@127.0.0.1:5433/colis', embedded: false, stop: async () => undefined },
      mailCatcher: undefined,
      customerNotify: notifyConfigFrom({ ...config, COLIS_SMTP_URL: 'smtp://127.0.0.1:1025' }),
    });
    expect(banner).toContain('shop webhooks  https://shop.example.com/hooks?…\n');
    expect(banner).not.toMatch(/hunter3/);
  });
});
