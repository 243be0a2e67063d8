import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { TrainingQueue, type Log } from '../src/index.ts';

const silent: Log = { debug() {}, info() {}, warn() {}, error() {} };

test('closing while a reconnect attempt to an unreachable Redis is in flight leaves no unhandled rejection', async () => {
  const unhandled: unknown[] = [];
  const record = (reason: unknown): void => {
    unhandled.push(reason);
  };
  process.on('unhandledRejection', record);
  try {
    const queue = new TrainingQueue({ redisUrl: 'redis://127.0.0.1:1', prefix: 'lab-test-unreachable', log: silent });
    // The first attempt is refused (and its error seen); close exactly when the second is under way.
    let attempts = 0;
    await new Promise<void>((resolve) => {
      queue.redis.on('connecting', () => {
        attempts += 1;
        if (attempts === 2) resolve();
      });
    });
    assert.equal(queue.redis.status, 'connecting');
    await queue.close();
    await sleep(200);
    assert.deepEqual(unhandled.map(String), []);
  } finally {
    process.off('unhandledRejection', record);
  }
});
