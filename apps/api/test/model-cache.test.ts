import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ModelCache } from '../src/prediction/model-cache.ts';

class FakeModel {
  disposed = false;
  constructor(readonly name: string) {}
  dispose(): void {
    this.disposed = true;
  }
}

/** A loader that counts its calls and hands out distinct models. */
function loaderFor(name: string) {
  const loader = {
    calls: 0,
    models: [] as FakeModel[],
    load: async () => {
      loader.calls += 1;
      const model = new FakeModel(name);
      loader.models.push(model);
      return model;
    },
  };
  return loader;
}

const nameOf = (model: FakeModel) => model.name;

test('loads a model once, also for concurrent requests', async () => {
  const cache = new ModelCache<FakeModel>(2);
  const a = loaderFor('a');
  const names = await Promise.all([cache.use('a', a.load, nameOf), cache.use('a', a.load, nameOf)]);
  assert.deepEqual(names, ['a', 'a']);
  await cache.use('a', a.load, nameOf);
  assert.equal(a.calls, 1);
});

test('evicts the least recently used model and disposes it', async () => {
  const cache = new ModelCache<FakeModel>(2);
  const [a, b, c] = [loaderFor('a'), loaderFor('b'), loaderFor('c')];
  await cache.use('a', a.load, nameOf);
  await cache.use('b', b.load, nameOf);
  await cache.use('a', a.load, nameOf); // a is now the most recently used
  await cache.use('c', c.load, nameOf); // so b goes
  await Promise.resolve();
  assert.equal(b.models[0]?.disposed, true);
  assert.equal(a.models[0]?.disposed, false);
  assert.deepEqual([cache.has('a'), cache.has('b'), cache.has('c')], [true, false, true]);
  await cache.use('b', b.load, nameOf);
  assert.equal(b.calls, 2, 'an evicted model is loaded again');
});

test('a model evicted while a request waits for it is used before it is disposed', async () => {
  const cache = new ModelCache<FakeModel>(1);
  const [a, b] = [loaderFor('a'), loaderFor('b')];
  const usingA = cache.use('a', a.load, (model) => model.disposed);
  const usingB = cache.use('b', b.load, (model) => model.disposed); // evicts a while a still loads
  assert.deepEqual(await Promise.all([usingA, usingB]), [false, false]);
  assert.equal(a.models[0]?.disposed, true);
});

test('forgets a failed load so the next request tries again', async () => {
  const cache = new ModelCache<FakeModel>(2);
  await assert.rejects(
    cache.use('a', () => Promise.reject(new Error('no model')), nameOf),
    /no model/,
  );
  assert.equal(cache.has('a'), false);
  const a = loaderFor('a');
  assert.equal(await cache.use('a', a.load, nameOf), 'a');
});

test('clear disposes every cached model', async () => {
  const cache = new ModelCache<FakeModel>(3);
  const [a, b] = [loaderFor('a'), loaderFor('b')];
  await cache.use('a', a.load, nameOf);
  await cache.use('b', b.load, nameOf);
  cache.clear();
  await Promise.resolve();
  assert.equal(cache.size, 0);
  assert.deepEqual([a.models[0]?.disposed, b.models[0]?.disposed], [true, true]);
});
