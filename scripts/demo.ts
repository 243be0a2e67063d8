// `npm run demo`: the seed experiment trained through the service. Finds or starts Postgres
// (embedded when DATABASE_URL is unset) and Redis, migrates, starts the API and a worker as real
// processes, submits the experiment over HTTP, prints every epoch as it is stored and the final
// evaluation beside the source lesson's figures.
//   npm run demo                          the seed's run: λ = 1e-5, 40 epochs, batch 1024, full data
//   npm run demo -- --epochs 3            shorter (any spec field: --lambda, --batch-size, --hidden 128,64,
//                                         --train-limit, --test-limit, --learning-rate, --seed)
import { parseArgs } from 'node:util';
import { experimentSpecSchema, SEED_SPEC, type EpochMetrics, type ExperimentSpecInput } from '@lab/contracts';
import { followExperiment, startLocalService } from './local-service.ts';
import { SEED_EPOCHS, SEED_TEST_EVALUATION } from './seed-reference.ts';


function specFromArguments(): ExperimentSpecInput {
  const { values } = parseArgs({
    options: {
      lambda: { type: 'string', default: String(SEED_SPEC.lambda) },
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      'learning-rate': { type: 'string' },
      hidden: { type: 'string' },
      'train-limit': { type: 'string' },
      'test-limit': { type: 'string' },
      seed: { type: 'string' },
    },
  });
  const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
  const spec = {
    name: 'demo: seed experiment',
    lambda: number(values.lambda),
    epochs: number(values.epochs),
    batchSize: number(values['batch-size']),
    learningRate: number(values['learning-rate']),
    hiddenLayers: values.hidden?.split(',').map(Number),
    trainLimit: number(values['train-limit']),
    testLimit: number(values['test-limit']),
    seed: number(values.seed),
  };
  const defined = Object.fromEntries(Object.entries(spec).filter(([, value]) => value !== undefined));
  // Validate here too, so a typo is reported before anything starts.
  return experimentSpecSchema.parse(defined) satisfies ExperimentSpecInput;
}

const format = (value: number, digits = 4) => value.toFixed(digits);
function epochLine(e: EpochMetrics, epochs: number): string {
  return (
    `epoch ${String(e.epoch).padStart(3)}/${epochs}  loss ${format(e.loss)} (ce ${format(e.crossEntropy)} + penalty ${format(e.penalty)})` +
    `  acc ${format(e.accuracy)}  val_loss ${format(e.valLoss)}  val_acc ${format(e.valAccuracy)}  ${(e.durationMs / 1000).toFixed(1)} s`
  );
}

const spec = specFromArguments();
const service = await startLocalService({ queuePrefix: 'lab-demo' });
try {
  const { client } = service;
  const { id } = await client.submitExperiment(spec);
  const submitted = await client.experiment(id);
  console.log(`submitted experiment ${id}: ${JSON.stringify(submitted.spec)}`);
  console.log(`  follow it: GET ${client.baseUrl}/v1/experiments/${id}`);
  const started = Date.now();
  const experiment = await followExperiment(client, id, (epoch) => console.log(epochLine(epoch, submitted.spec.epochs)));
  if (experiment.status !== 'completed') throw new Error(`the experiment ended ${experiment.status}: ${experiment.error ?? ''}`);

  const evaluation = await client.evaluation(id);
  const history = (await client.history(id)).epochs;
  const meanEpochSeconds = history.reduce((sum, e) => sum + e.durationMs, 0) / history.length / 1000;
  console.log(`\ncompleted in ${((Date.now() - started) / 1000).toFixed(0)} s on ${experiment.backend}${experiment.kernels ? `, kernels ${experiment.kernels}` : ''} (tfjs ${experiment.tfjsVersion}); mean epoch ${meanEpochSeconds.toFixed(1)} s`);
  console.log(`dataset: ${experiment.dataset?.source} ${experiment.dataset?.version.slice(0, 12)}…`);
  console.log(`evaluate (batch ${evaluation.evaluationBatchSize}, as Keras):`);
  console.log(`  train  loss ${format(evaluation.train.loss)}  accuracy ${format(evaluation.train.accuracy)}`);
  console.log(`  test   loss ${format(evaluation.test.loss)}  accuracy ${format(evaluation.test.accuracy)}   (seed: loss ${format(SEED_TEST_EVALUATION.loss)}, accuracy ${format(SEED_TEST_EVALUATION.accuracy)})`);
  const last = history.at(-1);
  const seedLast = SEED_EPOCHS.find((e) => e.epoch === last?.epoch);
  if (last !== undefined && seedLast !== undefined) {
    console.log(`  epoch ${last.epoch}: acc ${format(last.accuracy)} val_acc ${format(last.valAccuracy)}   (seed: acc ${seedLast.accuracy}, val_acc ${seedLast.valAccuracy})`);
  }
  console.log('per-class test accuracy:');
  for (const row of evaluation.perClassAccuracy) console.log(`  ${row.className.padEnd(12)} ${format(row.accuracy, 3)}`);
} finally {
  await service.close();
}
