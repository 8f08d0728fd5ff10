// A TCP proxy between a client and a real server that injects network faults: answers delayed
// (a slow server), connections reset mid-stream after a number of bytes (RST, the rest of the
// chunk never forwarded), or nobody listening at all. The server behind it stays unchanged.
import net from 'node:net';

export interface FaultPlan {
  /** delay of every chunk the server sends back (acks, responses), ms */
  replyDelayMs: number;
  /**
   * for each new connection: after how many client bytes to reset it (forwarding only those), or
   * null to leave it alone
   */
  resetAfter: (connection: number) => number | null;
}

export class FaultProxy {
  port = 0;
  /** connections accepted, and how many of them were reset */
  connections = 0;
  resets = 0;
  plan: FaultPlan = { replyDelayMs: 0, resetAfter: () => null };
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly upstreamPort: number) {}

  async listen(port = 0): Promise<void> {
    this.server = net.createServer((client) => this.serve(client));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  private track(socket: net.Socket): net.Socket {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    return socket;
  }

  private serve(client: net.Socket): void {
    this.track(client);
    const connection = this.connections++;
    const resetAfter = this.plan.resetAfter(connection);
    const upstream = this.track(net.connect(this.upstreamPort, '127.0.0.1'));
    let forwarded = 0;
    const cut = (): void => {
      this.resets++;
      client.resetAndDestroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      if (resetAfter !== null && forwarded + chunk.length >= resetAfter) {
        upstream.write(chunk.subarray(0, resetAfter - forwarded), cut);
        forwarded = resetAfter;
        client.pause();
        return;
      }
      forwarded += chunk.length;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      const delay = this.plan.replyDelayMs;
      if (delay > 0) setTimeout(() => client.destroyed || client.write(chunk), delay);
      else client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }
}
