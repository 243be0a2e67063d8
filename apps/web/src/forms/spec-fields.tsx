import { MAX_TEST_EXAMPLES, MAX_TRAIN_EXAMPLES, SEED_SPEC } from '@lab/contracts';
import { Field } from './field.tsx';
import { listValue, numberValue } from './form-values.ts';
import type { ApiForm } from './use-api-form.ts';

/** The fields an experiment and a sweep's `base` share; empty ones take the API's defaults (the lesson's run). */
const SPEC_FIELDS = [
  { key: 'epochs', label: 'Epochs', placeholder: String(SEED_SPEC.epochs), parse: numberValue },
  { key: 'batchSize', label: 'Batch size', placeholder: String(SEED_SPEC.batchSize), parse: numberValue },
  { key: 'learningRate', label: 'Learning rate (Adam)', placeholder: String(SEED_SPEC.learningRate), parse: numberValue },
  { key: 'hiddenLayers', label: 'Hidden layers', placeholder: SEED_SPEC.hiddenLayers.join(', '), parse: listValue },
  { key: 'seed', label: 'Seed', placeholder: 'drawn when empty', parse: numberValue },
  { key: 'trainLimit', label: 'Training images', placeholder: `all ${MAX_TRAIN_EXAMPLES}`, parse: numberValue },
  { key: 'testLimit', label: 'Test images', placeholder: `all ${MAX_TEST_EXAMPLES}`, parse: numberValue },
] as const;

export type SpecFieldKey = (typeof SPEC_FIELDS)[number]['key'];

/** The form names of the fields: `epochs`, or `base.epochs` under a prefix. */
export function specFieldNames(prefix: string, omit: readonly SpecFieldKey[] = []): string[] {
  return SPEC_FIELDS.filter((field) => !omit.includes(field.key)).map((field) => prefix + field.key);
}

/** The fields' values as the request body's properties (left out when empty). */
export function specValues(data: FormData, prefix: string): Record<string, unknown> {
  return Object.fromEntries(SPEC_FIELDS.map((field) => [field.key, field.parse(String(data.get(prefix + field.key) ?? ''))]));
}

export function SpecFields({ form, prefix }: { form: ApiForm; prefix: string }) {
  return (
    <div class="field-grid">
      {SPEC_FIELDS.map((field) => (
        <Field key={field.key} form={form} name={prefix + field.key} label={field.label} placeholder={field.placeholder} />
      ))}
    </div>
  );
}
