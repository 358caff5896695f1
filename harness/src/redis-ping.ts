import { connect } from 'node:net';

/** Sends PING (after AUTH when a password is given) over raw RESP; true on +PONG. */
export async function redisAnswersPing(
  host: string,
  port: number,
  { password, timeoutMs = 1000 }: { password?: string; timeoutMs?: number } = {},
): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let received = '';
    const finish = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.on('error', () => finish(false));
    socket.on('connect', () => {
      const commands = password === undefined ? [['PING']] : [['AUTH', password], ['PING']];
      socket.write(commands.map(encodeCommand).join(''));
    });
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      if (received.includes('+PONG\r\n')) finish(true);
      else if (/(^|\r\n)-/.test(received)) finish(false);
    });
  });
}

function encodeCommand(parts: string[]): string {
  return `*${parts.length}\r\n${parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join('')}`;
}
