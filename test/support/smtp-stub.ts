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
  /** While true, a message whose data has ended is not answered until `release()`: a relay stuck at the end of data. */
  holding: boolean;
  /** Messages whose data ended while `holding`, not answered yet. */
  held: StubbedMail[];
  /** Messages whose connection the client dropped before the stub answered their end of data: never taken. */
  dropped: StubbedMail[];
  /** Answers the held messages: taken (into `received`) if their connection is still open, else `dropped`. */
  release(): void;
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
/**
 * A minimal SMTP server for what MailDev (the suite's real relay) cannot play: a relay down for a while (`down`), one that
 * answers each message `acceptAfterMs` after its data ends (a tarpit), or only when released (`holding`: stuck at the end of
 * data), or one that answers a recipient with `recipientReply(address)` (a mailbox unknown, full, refused). It speaks just
 * enough SMTP for nodemailer.
 */
export function smtpStub(options: { acceptAfterMs?: number; recipientReply?: (address: string) => string } = {}): SmtpStub {
  // How each held message is answered, on its own connection.
  const answers = new Map<StubbedMail, () => void>();
  const stub: SmtpStub = {
    server: createServer((socket) => {
      socket.on('error', () => {});
      if (stub.down) {
        socket.end('421 closing, try later\r\n');
        return;
      }
      let inData = false;
      let open = true;
      socket.on('close', () => {
        open = false;
        for (const mail of stub.held.filter((each) => answers.has(each))) {
          answers.delete(mail);
          stub.held.splice(stub.held.indexOf(mail), 1);
          stub.dropped.push(mail);
        }
      });
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
            const answer = () => {
              if (!open) {
                stub.dropped.push(mail);
                return;
              }
              stub.received.push(mail);
              socket.write('250 queued\r\n');
            };
            if (stub.holding) {
              stub.held.push(mail);
              answers.set(mail, answer);
            } else setTimeout(answer, options.acceptAfterMs ?? 0);
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
    holding: false,
    held: [],
    dropped: [],
    release() {
      for (const mail of stub.held.splice(0)) {
        answers.get(mail)?.();
        answers.delete(mail);
      }
    },
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
