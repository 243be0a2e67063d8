import { createdExperimentSchema, SEED_SPEC } from '@lab/contracts';
import { postJson } from '../api.ts';
import { navigate } from '../route.ts';
import { Field, FormErrors } from './field.tsx';
import { numberValue, textValue, withoutUnset } from './form-values.ts';
import { SpecFields, specFieldNames, specValues } from './spec-fields.tsx';
import { useApiForm } from './use-api-form.ts';

const FIELDS = ['name', 'lambda', ...specFieldNames('')];

/** POST /v1/experiments; on success, the new run's view. */
export function ExperimentForm() {
  const form = useApiForm(FIELDS, async (data) => {
    const body = withoutUnset({
      name: textValue(String(data.get('name') ?? '')),
      lambda: numberValue(String(data.get('lambda') ?? '')),
      ...specValues(data, ''),
    });
    const created = await postJson('/v1/experiments', body, createdExperimentSchema);
    navigate({ view: 'experiment', id: created.id });
  });
  return (
    <section>
      <h2>New experiment</h2>
      <p class="hint">Empty fields take the lesson's values. A quick run: 3 epochs, batch 128, hidden layers 64, 32, 2000 training and 500 test images.</p>
      <form class="spec-form" id="experiment-form" onSubmit={form.onSubmit} noValidate>
        <div class="field-grid">
          <Field form={form} name="name" label="Name" placeholder="optional" />
          <Field form={form} name="lambda" label="λ (activity regularization)" placeholder={String(SEED_SPEC.lambda)} hint="required" />
        </div>
        <SpecFields form={form} prefix="" />
        <FormErrors form={form} />
        <button type="submit" disabled={form.busy}>
          {form.busy ? 'Submitting…' : 'Submit experiment'}
        </button>
      </form>
    </section>
  );
}
