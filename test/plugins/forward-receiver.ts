// A Fluentd forward-protocol receiver for tests, written from the published spec (v1) with
// @msgpack/msgpack: Message, Forward, PackedForward and CompressedPackedForward entries, EventTime
// (ext type 0), and { ack: chunk } answers when an entry's option carries a chunk id.
import net from 'node:net';
import zlib from 'node:zlib';
import { decodeMulti, decodeMultiStream, encode, ExtensionCodec } from '@msgpack/msgpack';

export interface ReceivedEvent {
  tag: string;
  /** epoch seconds with the sub-second part */
  time: number;
  record: Record<string, unknown>;
}

const extensionCodec = new ExtensionCodec();
extensionCodec.register({
  type: 0,
  encode: () => null,
  decode: (data: Uint8Array) => {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    return { eventTime: view.getUint32(0) + view.getUint32(4) / 1e9 };
  },
});

function timeOf(value: unknown): number {
  return typeof value === 'number' ? value : (value as { eventTime: number }).eventTime;
}

export interface ReceiverOptions {
  /** keep every event in `events` (default); false for a burst of a million, seen through onEvent only */
  keep?: boolean;
  onEvent?: (event: ReceivedEvent) => void;
}

export class ForwardReceiver {
  readonly events: ReceivedEvent[] = [];
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly options: ReceiverOptions = {}) {}

  async listen(port = 0): Promise<void> {
    this.server = net.createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  /** As if Fluentd was killed: the listener closes and every connection is cut at once. */
  async kill(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  private serve(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    void (async () => {
      try {
        for await (const entry of decodeMultiStream(socket, { extensionCodec })) this.accept(entry as unknown[], socket);
      } catch {
        // cut mid-entry by kill(): what was not acked is resent by the client
      }
    })();
  }

  private accept(entry: unknown[], socket: net.Socket): void {
    const [tag, second, third, fourth] = entry as [string, unknown, unknown, unknown];
    let option: Record<string, unknown> | undefined;
    if (Array.isArray(second)) {
      // Forward: [tag, [[time, record], ...], option]
      for (const [time, record] of second as [unknown, Record<string, unknown>][]) this.received({ tag, time: timeOf(time), record });
      option = third as Record<string, unknown> | undefined;
    } else if (second instanceof Uint8Array) {
      // PackedForward: [tag, bin(msgpack stream of [time, record]), option]; compressed when option.compressed = 'gzip'
      option = third as Record<string, unknown> | undefined;
      const packed = option?.compressed === 'gzip' ? zlib.gunzipSync(second) : second;
      for (const item of decodeMulti(packed, { extensionCodec })) {
        const [time, record] = item as [unknown, Record<string, unknown>];
        this.received({ tag, time: timeOf(time), record });
      }
    } else {
      // Message: [tag, time, record, option]
      this.received({ tag, time: timeOf(second), record: third as Record<string, unknown> });
      option = fourth as Record<string, unknown> | undefined;
    }
    if (option?.chunk !== undefined) socket.write(encode({ ack: option.chunk }));
  }

  private received(event: ReceivedEvent): void {
    if (this.options.keep !== false) this.events.push(event);
    this.options.onEvent?.(event);
  }
}
