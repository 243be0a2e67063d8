import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import type { ErrorBody } from '@lab/contracts';
import { startTestApp, type TestApp } from './test-app.ts';

/** Early stopping on experiments and pruning on sweeps, as the API accepts, stores and refuses them. */
let ctx: TestApp;
const http = () => request(ctx.app.server);
const stored = async () => ({ experiments: await ctx.app.prisma.experiment.count(), sweeps: await ctx.app.prisma.sweep.count() });

function assertFields(body: ErrorBody, paths: string[]): void {
  assert.equal(body.error.code, 'validation_error', JSON.stringify(body));
  assert.deepEqual(body.error.details?.map((detail) => detail.path).sort(), [...paths].sort(), JSON.stringify(body.error));
}

before(async () => {
  ctx = await startTestApp();
});
after(async () => {
  await ctx.close();
});

describe('earlyStopping on an experiment', () => {
  test('is stored with Keras\' defaults filled in', async () => {
    const { body } = await http().post('/v1/experiments').send({ lambda: 1e-5, earlyStopping: { monitor: 'valAccuracy', patience: 3 } }).expect(202);
    const { body: experiment } = await http().get(`/v1/experiments/${body.id}`).expect(200);
    assert.deepEqual(experiment.spec.earlyStopping, { monitor: 'valAccuracy', patience: 3, minDelta: 0, restoreBestWeights: false });
    assert.equal(experiment.stoppedEarly, null);
    assert.equal(experiment.pruned, null);
    assert.deepEqual(experiment.resumes, []);
  });

  test('bad settings, and pruning on a single experiment, are a 400 naming each field; nothing is stored', async () => {
    const before = await stored();
    const cases: Array<[object, string[]]> = [
      [{ earlyStopping: { monitor: 'loss', patience: 1 } }, ['body.earlyStopping.monitor']],
      [{ earlyStopping: { monitor: 'valLoss', patience: -1 } }, ['body.earlyStopping.patience']],
      [{ earlyStopping: { monitor: 'valLoss', patience: 1.5 } }, ['body.earlyStopping.patience']],
      [{ earlyStopping: { monitor: 'valLoss' } }, ['body.earlyStopping.patience']],
      [{ earlyStopping: { monitor: 'valLoss', patience: 1, minDelta: -0.01 } }, ['body.earlyStopping.minDelta']],
      [{ earlyStopping: { monitor: 'valLoss', patience: 1, restoreBestWeights: 'yes' } }, ['body.earlyStopping.restoreBestWeights']],
      [{ earlyStopping: { monitor: 'valLoss', patience: 1, baseline: 0.5 } }, ['body.earlyStopping.baseline']],
      [{ pruning: { strategy: 'median' } }, ['body.pruning']],
    ];
    for (const [fields, paths] of cases) {
      const response = await http().post('/v1/experiments').send({ lambda: 1e-5, ...fields }).expect(400);
      assertFields(response.body, paths);
    }
    assert.deepEqual(await stored(), before);
  });
});

describe('pruning on a sweep', () => {
  test('is stored with Optuna\'s and Ray Tune\'s defaults filled in', async () => {
    for (const [pruning, expected] of [
      [{ strategy: 'median' }, { strategy: 'median', startupRuns: 5, warmupEpochs: 0 }],
      [{ strategy: 'asha', reductionFactor: 3 }, { strategy: 'asha', gracePeriod: 1, reductionFactor: 3 }],
    ] as const) {
      const { body } = await http().post('/v1/sweeps').send({ lambdas: [0, 1e-5], pruning }).expect(202);
      const { body: sweep } = await http().get(`/v1/sweeps/${body.id}`).expect(200);
      assert.deepEqual(sweep.spec.pruning, expected);
    }
    const { body } = await http().post('/v1/sweeps').send({ lambdas: [0] }).expect(202);
    assert.equal((await http().get(`/v1/sweeps/${body.id}`).expect(200)).body.spec.pruning, null);
  });

  test('bad settings are a 400 naming each field; nothing is stored', async () => {
    const before = await stored();
    const cases: Array<[object, string[]]> = [
      [{ strategy: 'hyperband' }, ['body.pruning.strategy']],
      [{}, ['body.pruning.strategy']],
      [{ strategy: 'asha', reductionFactor: 1 }, ['body.pruning.reductionFactor']],
      [{ strategy: 'asha', reductionFactor: 2.5 }, ['body.pruning.reductionFactor']],
      [{ strategy: 'asha', gracePeriod: 0 }, ['body.pruning.gracePeriod']],
      [{ strategy: 'median', startupRuns: -1 }, ['body.pruning.startupRuns']],
      [{ strategy: 'median', warmupEpochs: -2 }, ['body.pruning.warmupEpochs']],
      [{ strategy: 'median', reductionFactor: 4 }, ['body.pruning.reductionFactor']],
    ];
    for (const [pruning, paths] of cases) {
      const response = await http().post('/v1/sweeps').send({ lambdas: [0, 1e-5], pruning }).expect(400);
      assertFields(response.body, paths);
    }
    const base = await http().post('/v1/sweeps').send({ lambdas: [0], base: { earlyStopping: { monitor: 'accuracy', patience: 1 } } }).expect(400);
    assertFields(base.body, ['body.base.earlyStopping.monitor']);
    assert.deepEqual(await stored(), before);
  });
});
