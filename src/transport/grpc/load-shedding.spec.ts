import { loadSync } from '@grpc/proto-loader';
import { loadPackageDefinition, ServiceClientConstructor } from '@grpc/grpc-js';
import { LOADER_OPTIONS } from './proto';
import { countRepeated, isShed, shedBeforeDecode } from './load-shedding';

const definition = (
  loadPackageDefinition(loadSync('rulecenter/v1/decision.proto', LOADER_OPTIONS)) as unknown as {
    rulecenter: { v1: { DecisionService: ServiceClientConstructor } };
  }
).rulecenter.v1.DecisionService.service;
const encode = (n: number): Buffer =>
  definition.DecideBatch.requestSerialize({
    requests: Array.from({ length: n }, (_, i) => ({
      department: 'cs',
      grade: '2023',
      client_id: `s${i}`,
    })),
  });

describe('shedding large requests before decoding them', () => {
  it('counts the items of a batch on the wire', () => {
    expect(countRepeated(encode(0), 1)).toBe(0);
    expect(countRepeated(encode(7), 1)).toBe(7);
    expect(countRepeated(encode(1000), 1)).toBe(1000);
  });

  it('sheds a batch with no room for its items, decodes one that fits or that is too large to be valid', () => {
    let room = 10;
    const shedding = shedBeforeDecode(
      definition,
      [{ method: 'DecideBatch', itemsField: 1 }],
      (n) => n <= room,
      50,
    );
    const decode = (n: number) => shedding.DecideBatch.requestDeserialize(encode(n));
    expect(isShed(decode(20))).toBe(true);
    expect((decode(5) as { requests: unknown[] }).requests).toHaveLength(5);
    expect((decode(60) as { requests: unknown[] }).requests).toHaveLength(60); // refused later as INVALID_ARGUMENT
    room = 100;
    expect(isShed(decode(20))).toBe(false);
    expect(
      isShed(
        shedding.Decide.requestDeserialize(
          definition.Decide.requestSerialize({ department: 'cs' }),
        ),
      ),
    ).toBe(false);
  });
});
