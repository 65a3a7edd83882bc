import pino from 'pino';
import { Writable } from 'node:stream';
import { RootLogger } from '../../src/observability/root-logger';

/** A root logger whose JSON lines a test can read back (what an operator would see). */
export function capturedLogs() {
  const raw: string[] = [];
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(chunk.toString());
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { root: new RootLogger(pino({ level: 'info' }, sink)), lines, text: () => raw.join('') };
}
