/**
 * The load generator of the side-by-side benchmark (issue 14): unary Decide over HTTP/2 written
 * as pre-encoded frames on plain TCP sockets, so that a call costs the generator two small
 * buffer copies and one socket write — not a grpc-js client (~130 µs of CPU per call on the
 * project machine) nor a `node:http2` session (~140 µs per call: measured, and not kept).
 * Reads its job as JSON from argv[2] and prints one JSON result line (the shape of
 * bench/load-worker.ts's).
 *
 * What it speaks (RFC 9113): the preface, empty SETTINGS with an ACK of the server's, PING
 * answers, connection flow control in both directions, the server's concurrent-stream limit;
 * every request is the same header block (HPACK literals without indexing: no encoder state) and
 * the same gRPC message. Answers are not decoded: a stream that ends with trailers after a
 * DATA frame is an answer, a trailers-only end or RST_STREAM an error (gRPC answers a
 * successful unary call with one message, and fails without one).
 *
 *  - mode "rate": open loop. Call i is due at start + i / rate. A worker thread sleeps until each
 *    due time with `Atomics.wait` (sub-millisecond; timers have 1 ms granularity) and wakes this
 *    thread, whose event loop is never blocked, so answers are timestamped as they arrive.
 *    `lagP99` is how late calls left against the schedule.
 *  - mode "saturate": closed loop with `concurrency` calls in flight.
 */
import { Socket, connect } from 'node:net';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { loadSync } from 'protobufjs';
import { summarize, timed } from './lib/generator-result';

interface Job {
  mode: 'rate' | 'saturate';
  port: number;
  /** TCP connections (HTTP/2 sessions); calls go round-robin. */
  connections: number;
  rate: number;
  concurrency: number;
  durationMs: number;
  /** The DecideRequest (proto field names). */
  request: Record<string, unknown>;
  path?: string;
}

const FRAME = {
  DATA: 0,
  HEADERS: 1,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  WINDOW_UPDATE: 8,
};
const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4 };
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const BIG_WINDOW = 0x7fffffff;

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const out = Buffer.alloc(9 + payload.length);
  out.writeUIntBE(payload.length, 0, 3);
  out[3] = type;
  out[4] = flags;
  out.writeUInt32BE(streamId, 5);
  payload.copy(out, 9);
  return out;
}

/** HPACK "literal header field without indexing" (RFC 7541 §6.2.2); short strings, no Huffman. */
function literal(nameIndex: number, name: string, value: string): Buffer {
  const parts: number[] = [];
  if (nameIndex > 0) {
    // 4-bit prefix for the static-table index of the name.
    if (nameIndex < 15) parts.push(nameIndex);
    else parts.push(15, nameIndex - 15);
  } else parts.push(0, name.length, ...Buffer.from(name));
  // One length byte with the Huffman bit clear: enough for the short strings sent here.
  if (name.length > 126 || value.length > 126) throw new Error(`header too long for this encoder`);
  parts.push(value.length, ...Buffer.from(value));
  return Buffer.from(parts);
}

const job = JSON.parse(process.argv[2]) as Job;
const DecideRequest = loadSync(join(__dirname, '../proto/rulecenter/v1/decision.proto')).lookupType(
  'rulecenter.v1.DecideRequest',
);
const body = DecideRequest.encode(DecideRequest.fromObject(job.request)).finish();
const grpcMessage = Buffer.alloc(5 + body.length);
grpcMessage.writeUInt32BE(body.length, 1);
grpcMessage.set(body, 5);
const headerBlock = Buffer.concat([
  Buffer.from([0x83, 0x86]), // :method POST, :scheme http (static table 3 and 6)
  literal(4, '', job.path ?? '/rulecenter.v1.DecisionService/Decide'),
  literal(1, '', `127.0.0.1:${job.port}`),
  literal(31, '', 'application/grpc'),
  literal(0, 'te', 'trailers'),
]);
/** HEADERS + DATA(END_STREAM) of one call; the stream id is patched in at offsets 5 and DATA_AT + 5. */
const TEMPLATE = Buffer.concat([
  frame(FRAME.HEADERS, FLAG.END_HEADERS, 0, headerBlock),
  frame(FRAME.DATA, FLAG.END_STREAM, 0, grpcMessage),
]);
const DATA_AT = 9 + headerBlock.length;

interface Call {
  sentAt: number;
  gotData: boolean;
  resolve(): void;
}

const latencies: number[] = [];
const lags: number[] = [];
let errors = 0;
let done = 0;

class Connection {
  private nextStreamId = 1;
  private readonly calls = new Map<number, Call>();
  private sendWindow = 65_535;
  private maxStreams = Infinity;
  private readonly waiting: Call[] = [];
  private pending = Buffer.alloc(0);
  private receivedSinceUpdate = 0;
  /** Closed, errored or told to go away: every call from now on fails at once. */
  private dead = false;
  readonly ready: Promise<void>;

  constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    const settings = Buffer.alloc(12);
    settings.writeUInt16BE(0x2, 0); // ENABLE_PUSH 0
    settings.writeUInt16BE(0x4, 6); // INITIAL_WINDOW_SIZE: the server never waits for us
    settings.writeUInt32BE(BIG_WINDOW, 8);
    const update = Buffer.alloc(4);
    update.writeUInt32BE(BIG_WINDOW - 65_535, 0);
    socket.write(
      Buffer.concat([
        PREFACE,
        frame(FRAME.SETTINGS, 0, 0, settings),
        frame(FRAME.WINDOW_UPDATE, 0, 0, update),
      ]),
    );
    this.ready = new Promise((resolve, reject) => {
      this.onSettings.push(resolve);
      socket.once('close', () => reject(new Error(`connection to port ${job.port} closed`)));
    });
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', () => this.failAll());
    socket.on('close', () => this.failAll());
  }

  private readonly onSettings: (() => void)[] = [];

  call(): Promise<void> {
    return new Promise((resolve) => {
      const call = { sentAt: 0, gotData: false, resolve };
      if (this.dead) {
        errors++;
        done++;
        resolve();
      } else if (this.calls.size >= this.maxStreams || this.sendWindow < grpcMessage.length)
        this.waiting.push(call);
      else this.send(call);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private send(call: Call): void {
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const out = Buffer.from(TEMPLATE);
    out.writeUInt32BE(id, 5);
    out.writeUInt32BE(id, DATA_AT + 5);
    this.sendWindow -= grpcMessage.length;
    call.sentAt = performance.now();
    this.calls.set(id, call);
    this.socket.write(out);
  }

  private sendWaiting(): void {
    while (
      this.waiting.length &&
      this.calls.size < this.maxStreams &&
      this.sendWindow >= grpcMessage.length
    )
      this.send(this.waiting.shift() as Call);
  }

  private finish(id: number, ok: boolean): void {
    const call = this.calls.get(id);
    if (!call) return;
    this.calls.delete(id);
    if (ok && call.gotData) latencies.push(performance.now() - call.sentAt);
    else errors++;
    done++;
    call.resolve();
    this.sendWaiting();
  }

  private failAll(): void {
    this.dead = true;
    for (const id of [...this.calls.keys()]) this.finish(id, false);
    for (const call of this.waiting.splice(0)) {
      errors++;
      done++;
      call.resolve();
    }
  }

  private read(chunk: Buffer): void {
    let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (buf.length >= 9) {
      const length = buf.readUIntBE(0, 3);
      if (buf.length < 9 + length) break;
      const type = buf[3];
      const flags = buf[4];
      const id = buf.readUInt32BE(5) & 0x7fffffff;
      const payload = buf.subarray(9, 9 + length);
      buf = buf.subarray(9 + length);
      this.onFrame(type, flags, id, payload);
    }
    this.pending = buf.length ? Buffer.from(buf) : Buffer.alloc(0);
  }

  private onFrame(type: number, flags: number, id: number, payload: Buffer): void {
    switch (type) {
      case FRAME.DATA: {
        const call = this.calls.get(id);
        if (call) call.gotData = true;
        // Give the connection window back long before it could run out.
        this.receivedSinceUpdate += payload.length;
        if (this.receivedSinceUpdate > 1 << 20) {
          const update = Buffer.alloc(4);
          update.writeUInt32BE(this.receivedSinceUpdate, 0);
          this.socket.write(frame(FRAME.WINDOW_UPDATE, 0, 0, update));
          this.receivedSinceUpdate = 0;
        }
        if (flags & FLAG.END_STREAM) this.finish(id, true);
        break;
      }
      case FRAME.HEADERS:
        if (flags & FLAG.END_STREAM) this.finish(id, true);
        break;
      case FRAME.RST_STREAM:
        this.finish(id, false);
        break;
      case FRAME.SETTINGS:
        if (flags & FLAG.ACK) break;
        for (let at = 0; at + 6 <= payload.length; at += 6)
          if (payload.readUInt16BE(at) === 0x3) this.maxStreams = payload.readUInt32BE(at + 2);
        this.socket.write(frame(FRAME.SETTINGS, FLAG.ACK, 0, Buffer.alloc(0)));
        for (const resolve of this.onSettings.splice(0)) resolve();
        break;
      case FRAME.PING:
        if (!(flags & FLAG.ACK)) this.socket.write(frame(FRAME.PING, FLAG.ACK, 0, payload));
        break;
      case FRAME.WINDOW_UPDATE:
        if (id === 0) {
          this.sendWindow += payload.readUInt32BE(0) & 0x7fffffff;
          this.sendWaiting();
        }
        break;
      case FRAME.GOAWAY:
        this.failAll();
        break;
    }
  }
}

const connections = Array.from(
  { length: job.connections },
  () => new Connection(connect(job.port, '127.0.0.1')),
);
let next = 0;
const fire = () => connections[next++ % connections.length].call();

/** The ticker: a thread that sleeps precisely and posts the index of each call as it falls due. */
const TICKER = `
const { parentPort } = require('node:worker_threads');
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const now = () => performance.timeOrigin + performance.now();
parentPort.once('message', ({ startEpochMs, intervalMs, total }) => {
  for (let i = 0; i < total; i++) {
    const wait = startEpochMs + i * intervalMs - now();
    if (wait > 0) Atomics.wait(sleeper, 0, 0, wait);
    parentPort.postMessage(i);
  }
  parentPort.close();
});`;

/** A thread takes tens of ms to start: it is started before the measured stretch begins. */
let tickerStarting: Promise<Worker> | undefined;
const startTicker = () =>
  (tickerStarting ??= new Promise<Worker>((resolve) => {
    const ticker = new Worker(TICKER, { eval: true });
    ticker.once('online', () => resolve(ticker));
  }));

async function openLoop(): Promise<void> {
  const intervalMs = 1000 / job.rate;
  const total = Math.floor(job.durationMs / intervalMs);
  const ticker = await startTicker();
  const start = performance.now() + 5;
  const calls: Promise<void>[] = [];
  await new Promise<void>((resolve, reject) => {
    ticker.on('message', (i: number) => {
      lags.push(performance.now() - (start + i * intervalMs));
      calls.push(fire());
    });
    ticker.on('error', reject);
    ticker.on('exit', () => resolve());
    ticker.postMessage({ startEpochMs: performance.timeOrigin + start, intervalMs, total });
  });
  await Promise.all(calls);
}

async function closedLoop(): Promise<void> {
  const end = performance.now() + job.durationMs;
  const worker = async () => {
    while (performance.now() < end) await fire();
  };
  await Promise.all(Array.from({ length: job.concurrency }, worker));
}

const WARMUP_ROUNDS = 200;

async function main(): Promise<void> {
  // A server that stops answering must not hang the benchmark that started this process.
  setTimeout(() => {
    process.stderr.write(`h2-worker: no result ${job.durationMs + 60_000} ms after the start\n`);
    process.exit(1);
  }, job.durationMs + 60_000).unref();
  await Promise.all(connections.map((c) => c.ready));
  if (job.mode === 'rate') await startTicker();
  // Warm up the server's JIT and every connection before measuring.
  for (let i = 0; i < WARMUP_ROUNDS; i++) await Promise.all(connections.map((c) => c.call()));
  latencies.length = 0;
  errors = 0;
  done = 0;
  const { elapsedMs, cpu } = await timed(job.mode === 'saturate' ? closedLoop : openLoop);
  process.stdout.write(
    JSON.stringify({
      ...summarize({ calls: done, errors, elapsedMs, latencies, lags, cpu }),
      // The server also did this work: per-decision figures divide its CPU by calls + these.
      warmupCalls: WARMUP_ROUNDS * connections.length,
    }) + '\n',
  );
  for (const c of connections) c.close();
}

main().catch((e: unknown) => {
  process.stderr.write(String(e));
  process.exit(1);
});
