import { ChildProcess, spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { freePort, killChild, killOnExit, waitFor } from './ports';

const answers = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });

/** A real redis-server on a free loopback port, nothing persisted; tests stop and restart it. */
export class RedisServer {
  private process?: ChildProcess;

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.resume();
    return server;
  }

  /** The server's process id while it runs (benchmarks pin it to a core). */
  get pid(): number | undefined {
    return this.process?.pid;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async resume(): Promise<void> {
    this.process = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    killOnExit(this.process);
    await waitFor('redis to answer', () => answers(this.port), 10_000, 20);
  }

  async stop(): Promise<void> {
    await killChild(this.process);
    this.process = undefined;
  }
}
