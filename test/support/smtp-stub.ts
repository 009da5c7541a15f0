import { createServer, type Server } from 'node:net';

/** A message the stub accepted: its envelope recipient and its raw text (headers and body). */
export interface StubbedMail {
  to: string;
  message: string;
}

export interface SmtpStub {
  server: Server;
  /** Accepted messages, in the order their acceptance was answered. */
  received: StubbedMail[];
  /** While true, every connection is refused with a 421, as a relay down or overloaded. */
  down: boolean;
  /** Listens on a free port of 127.0.0.1. */
  listen(): Promise<void>;
  /** Stops listening; connections still open end on their own (nodemailer's QUIT). */
  close(): void;
  /** `smtp://127.0.0.1:<port>` once listening. */
  url(): string;
}

/** A header's value in a stubbed message (`Message-ID`, `X-Colis-Milestone`), or "?". */
export const headerOf = (mail: StubbedMail, name: string): string =>
  new RegExp(`^${name}: (.*)$`, 'im').exec(mail.message)?.[1]?.trim() ?? '?';

/**
 * A minimal SMTP server for what MailDev (the suite's real relay) cannot play: a relay down for a while (`down`), one that
 * answers each message `acceptAfterMs` after its data ends (a tarpit), or one that answers a recipient with
 * `recipientReply(address)` (a mailbox unknown, full, refused). It speaks just enough SMTP for nodemailer.
 */
export function smtpStub(options: { acceptAfterMs?: number; recipientReply?: (address: string) => string } = {}): SmtpStub {
  const stub: SmtpStub = {
    server: createServer((socket) => {
      socket.on('error', () => {});
      if (stub.down) {
        socket.end('421 closing, try later\r\n');
        return;
      }
      let inData = false;
      let buffer = '';
      let to = '';
      socket.write('220 stub.test ESMTP\r\n');
      socket.on('data', (chunk) => {
        buffer += chunk.toString('utf8');
        for (;;) {
          if (inData) {
            const end = buffer.indexOf('\r\n.\r\n');
            if (end < 0) return;
            const mail = { to, message: buffer.slice(0, end) };
            buffer = buffer.slice(end + 5);
            inData = false;
            setTimeout(() => {
              stub.received.push(mail);
              socket.write('250 queued\r\n');
            }, options.acceptAfterMs ?? 0);
            continue;
          }
          const eol = buffer.indexOf('\r\n');
          if (eol < 0) return;
          const line = buffer.slice(0, eol);
          buffer = buffer.slice(eol + 2);
          const command = line.toUpperCase();
          if (command.startsWith('EHLO') || command.startsWith('HELO')) socket.write('250 stub.test\r\n');
          else if (command.startsWith('RCPT TO:')) {
            to = /<([^>]*)>/.exec(line)?.[1] ?? '';
            socket.write(`${options.recipientReply?.(to) ?? '250 ok'}\r\n`);
          } else if (command.startsWith('DATA')) {
            inData = true;
            socket.write('354 go on\r\n');
          } else if (command.startsWith('QUIT')) socket.end('221 bye\r\n');
          else socket.write('250 ok\r\n');
        }
      });
    }),
    received: [],
    down: false,
    listen: () => new Promise<void>((resolve) => stub.server.listen(0, '127.0.0.1', resolve)),
    close: () => {
      stub.server.close();
    },
    url() {
      const address = stub.server.address();
      return `smtp://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    },
  };
  return stub;
}
