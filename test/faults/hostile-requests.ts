import { connect } from 'node:net';
import { seededRandom } from '../harness/seeded-random.js';

/** Targets that have broken URL parsers, request routers or decoders somewhere. */
export const HOSTILE_TARGETS = [
  '//a:99999/health',
  '//[',
  '//%zz/x',
  '//[::1/health',
  '//user:pass@host:0/health',
  '/queues/%zz',
  '/queues/%E0%A4%A',
  '/queues/%00',
  '/queues/%2F..%2F',
  '/queues/' + 'x'.repeat(8000),
  '/health?%zz=%',
  '/health?schema=%E0%A4%A&system=%',
  '/health#frag',
  '/../../etc/passwd',
  '/./health',
  '//health',
  '/health/',
  '*',
  'health',
  'http://localhost/health',
  'http://[/health',
  'https://a:99999/health',
  '/queues/__proto__',
  '/queues/constructor',
  '/queues/%F0%9F%92%A9',
  '/metrics?name[]=%',
  '/metrics',
  '\\\\evil\\health',
  '/%',
  '/?',
  '/',
];

const METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'OPTIONS',
  'TRACE',
  'CONNECT',
  'PATCH',
  'BREW',
  'get',
];
const VERSIONS = ['HTTP/1.1', 'HTTP/1.0', 'HTTP/1.1', 'HTTP/2.0', 'HTTP/0.9', 'HTTX/1.1', ''];
const TARGET_ALPHABET = '/%?#[]:@!$&\'()*+,;=-._~abcAZ09\\"<>^`{|} é\u00ff\u2028';

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function randomText(random: () => number, alphabet: string, maxLength: number): string {
  let text = '';
  const length = Math.floor(random() * maxLength);
  for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
  return text;
}

function target(random: () => number): string {
  const roll = random();
  if (roll < 0.4) return pick(random, HOSTILE_TARGETS);
  if (roll < 0.7) return pick(random, HOSTILE_TARGETS) + randomText(random, TARGET_ALPHABET, 20);
  if (roll < 0.9) return '/' + randomText(random, TARGET_ALPHABET, 40);
  return randomText(random, TARGET_ALPHABET, 40);
}

function headers(random: () => number, token: string | undefined): string[] {
  const lines: string[] = [];
  const roll = random();
  if (roll < 0.3)
    lines.push(`Host: ${pick(random, ['localhost', '[', 'a:99999', '', '%zz', 'x'.repeat(300)])}`);
  else if (roll < 0.9) lines.push('Host: localhost');
  if (random() < 0.5) {
    lines.push(
      `Authorization: ${pick(random, [
        'Bearer',
        'Bearer ',
        'Bearer \u00ff\u00fe',
        `Bearer ${token ?? 'x'}x`,
        `Bearer ${token ?? 'x'}`,
        `bearer    ${token ?? 'x'}`,
        'Basic dXNlcjpwYXNz',
        'Bearer ' + 'A'.repeat(9000),
        '',
      ])}`,
    );
  }
  if (random() < 0.2) lines.push('Authorization: Bearer a', 'Authorization: Bearer b');
  if (random() < 0.15)
    lines.push(`Content-Length: ${pick(random, ['-1', '99999999999999999999', 'abc', '5', '0, 1'])}`);
  if (random() < 0.1) lines.push('Transfer-Encoding: chunked');
  if (random() < 0.1) lines.push('Transfer-Encoding: chunked, identity', 'Content-Length: 3');
  if (random() < 0.1) lines.push('X-No-Colon');
  if (random() < 0.1) lines.push(` folded: ${randomText(random, TARGET_ALPHABET, 10)}`);
  if (random() < 0.05) lines.push(`X-Huge: ${'h'.repeat(20_000)}`);
  if (random() < 0.1) lines.push(`Connection: ${pick(random, ['keep-alive', 'close', 'upgrade', ''])}`);
  if (random() < 0.05) lines.push('Upgrade: websocket');
  if (random() < 0.1)
    lines.push(`X-${randomText(random, 'abc-', 8)}: ${randomText(random, TARGET_ALPHABET, 30)}`);
  return lines;
}

/** One raw request: a request line, headers and sometimes a body, any of which may be malformed. */
export function hostileRequest(random: () => number, token?: string): Buffer {
  const line = `${pick(random, METHODS)} ${target(random)} ${pick(random, VERSIONS)}`;
  const body = random() < 0.15 ? randomText(random, '0123456789abcdef\r\n;', 30) : '';
  const text = [line, ...headers(random, token), '', body].join(random() < 0.95 ? '\r\n' : '\n');
  // Now and then a raw byte no header may hold, or a request cut short.
  if (random() < 0.05) return Buffer.concat([Buffer.from(text), Buffer.from([0, 0x7f, 0xff, 0x0d])]);
  if (random() < 0.05) return Buffer.from(text.slice(0, Math.floor(random() * text.length)));
  return Buffer.from(text, 'latin1');
}

/** What came back on one connection: the status of its first response, or how it ended without one. */
export type RawAnswer = number | 'closed' | 'timeout' | 'refused';

/** Writes `request` on a fresh connection, half-closes it, and reads the first status line back. */
export function sendRaw(port: number, request: Buffer, timeoutMs = 10_000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let settled = false;
    const settle = (answer: RawAnswer) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => settle('timeout'));
    socket.on('connect', () => socket.end(request));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const match = /^HTTP\/1\.[01] (\d{3}) /.exec(received);
      if (match) settle(Number(match[1]));
    });
    socket.on('error', (error: NodeJS.ErrnoException) =>
      settle(error.code === 'ECONNREFUSED' ? 'refused' : 'closed'),
    );
    socket.on('close', () => settle('closed'));
  });
}

/** Runs `count` requests, `concurrency` at a time, and tallies the answers. */
export async function fuzz(
  port: number,
  options: { count: number; concurrency: number; seed: number; token?: string },
): Promise<Map<RawAnswer, number>> {
  const random = seededRandom(options.seed);
  const tally = new Map<RawAnswer, number>();
  let next = 0;
  const worker = async () => {
    while (next < options.count) {
      next++;
      const answer = await sendRaw(port, hostileRequest(random, options.token));
      tally.set(answer, (tally.get(answer) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return tally;
}
