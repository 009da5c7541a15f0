import { MailDev } from 'maildev';
import { makeDirectory } from './lib/directories';

/**
 * The embedded mail catcher of `npm start` and of the test suite: MailDev from npm, a real SMTP
 * server that keeps every mail, with a web inbox and a REST API (`GET <web>/api/email`), offline.
 * Customer mails reach it exactly as they would reach a relay: over SMTP, through nodemailer.
 */

export interface RunningMailCatcher {
  smtpUrl: string;
  /** The web inbox. */
  webUrl: string;
  /** MailDev's REST API: `GET /email` lists every mail with its headers, text and HTML. */
  apiUrl: string;
  stop(): Promise<void>;
}

export async function startMailCatcher(options: { smtpPort: number; webPort: number; mailDirectory: string }): Promise<RunningMailCatcher> {
  makeDirectory(options.mailDirectory, 0o700);
  const maildev = new MailDev({
    smtp: options.smtpPort,
    ip: '127.0.0.1',
    web: options.webPort,
    webIp: '127.0.0.1',
    mailDirectory: options.mailDirectory,
    silent: true,
  });
  // MailDev announces its API on the console once; keep the start-up output ours.
  const info = console.info;
  console.info = () => {};
  try {
    await maildev.start();
  } finally {
    console.info = info;
  }
  const webUrl = `http://127.0.0.1:${options.webPort}`;
  return {
    smtpUrl: `smtp://127.0.0.1:${options.smtpPort}`,
    webUrl,
    apiUrl: `${webUrl}/api`,
    stop: () => maildev.stop(),
  };
}
