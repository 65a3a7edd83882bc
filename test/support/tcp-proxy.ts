import { Server, Socket, createConnection, createServer } from 'node:net';

interface Link {
  client: Socket;
  upstream: Socket;
}

/**
 * A loopback TCP proxy in front of a real server, for faults a process signal cannot aim at one
 * client: `cut` resets every connection through it (a network blip), `stall` stops moving bytes
 * on the connections open now while new ones still pass (a half-dead connection: no error, no
 * data), `refuse` resets new connections until `accept`.
 */
export class TcpProxy {
  private readonly links = new Set<Link>();
  private refusing = false;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
    const links: { proxy?: TcpProxy } = {};
    const server = createServer((client) => links.proxy?.link(client, targetHost, targetPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (typeof address !== 'object' || !address) throw new Error('proxy has no port');
    links.proxy = new TcpProxy(server, address.port);
    return links.proxy;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Connections currently open through the proxy. */
  get connections(): number {
    return this.links.size;
  }

  cut(): void {
    for (const link of this.links) this.close(link);
  }

  stall(): void {
    for (const { client, upstream } of this.links) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  refuse(): void {
    this.refusing = true;
    this.cut();
  }

  accept(): void {
    this.refusing = false;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private link(client: Socket, host: string, port: number): void {
    if (this.refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection({ host, port });
    const link = { client, upstream };
    this.links.add(link);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => this.close(link);
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  }

  private close(link: Link): void {
    if (!this.links.delete(link)) return;
    link.client.resetAndDestroy();
    link.upstream.resetAndDestroy();
  }
}
