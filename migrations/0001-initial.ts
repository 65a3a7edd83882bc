import { KEYS } from '../src/domain/keys';
import { ANY_WINDOW, ANY_WINDOW_SPEC } from '../src/domain/time-window';
import { encodeStored } from '../src/schema/stored-entry.codec';
import { Migration } from './migration';

/** Creates the built-in always-active `any` window (the schema version itself is written by the runner). */
export const initialLayout: Migration = {
  version: 1,
  description: 'built-in "any" window',
  async up(store, { now, actor }) {
    const key = KEYS.window(ANY_WINDOW);
    await store.commit({
      guards: [{ key, expect: { kind: 'absent' } }],
      writes: [
        {
          key,
          value: encodeStored(ANY_WINDOW_SPEC, {
            createdAt: now,
            updatedAt: now,
            updatedBy: actor,
          }),
        },
      ],
    });
  },
};
