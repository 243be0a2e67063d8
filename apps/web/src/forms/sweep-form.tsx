import { useState } from 'preact/hooks';
import { createdSweepSchema } from '@lab/contracts';
import { postJson } from '../api.ts';
import { navigate } from '../route.ts';
import { Field, FieldErrors, FormErrors } from './field.tsx';
import { listValue, numberValue, textValue, withoutUnset } from './form-values.ts';
import { SpecFields, specFieldNames, specValues } from './spec-fields.tsx';
import { useApiForm } from './use-api-form.ts';

type GridMode = 'list' | 'logspace';

const LOGSPACE_FIELDS = ['from', 'to', 'count'] as const;
const logspaceField = (key: (typeof LOGSPACE_FIELDS)[number]) => `lambdas.logspace.${key}`;

const FIELDS = ['name', 'lambdas', ...LOGSPACE_FIELDS.map(logspaceField), 'seeds', ...specFieldNames('base.')];

function lambdaGrid(data: FormData, mode: GridMode): unknown {
  if (mode === 'list') return listValue(String(data.get('lambdas') ?? ''));
  return { logspace: withoutUnset(Object.fromEntries(LOGSPACE_FIELDS.map((key) => [key, numberValue(String(data.get(logspaceField(key)) ?? ''))]))) };
}

/** POST /v1/sweeps: λ as a list or a log-spaced grid, optionally several seeds; on success, the sweep's view. */
export function SweepForm() {
  const [mode, setMode] = useState<GridMode>('list');
  const form = useApiForm(FIELDS, async (data) => {
    const body = withoutUnset({
      name: textValue(String(data.get('name') ?? '')),
      lambdas: lambdaGrid(data, mode),
      seeds: listValue(String(data.get('seeds') ?? '')),
      base: withoutUnset(specValues(data, 'base.')),
    });
    const created = await postJson('/v1/sweeps', body, createdSweepSchema);
    navigate({ view: 'sweep', id: created.id });
  });
  return (
    <section>
      <h2>New sweep</h2>
      <p class="hint">Every λ runs once per seed, each as an ordinary experiment; empty fields take the lesson's values.</p>
      <form class="spec-form" id="sweep-form" onSubmit={form.onSubmit} noValidate>
        <div class="field-grid">
          <Field form={form} name="name" label="Name" placeholder="optional" />
        </div>
        <fieldset>
          <legend>λ values</legend>
          <label class="choice">
            <input type="radio" name="grid-mode" value="list" checked={mode === 'list'} onChange={() => setMode('list')} /> a list
          </label>
          <label class="choice">
            <input type="radio" name="grid-mode" value="logspace" checked={mode === 'logspace'} onChange={() => setMode('logspace')} /> log-spaced
          </label>
          {mode === 'list' ? (
            <Field form={form} name="lambdas" label="λ values" placeholder="0, 1e-6, 1e-5, 1e-4" hint="separated by commas or spaces" />
          ) : (
            <>
              <FieldErrors field="lambdas" errors={form.errorsFor('lambdas')} />
              <div class="field-grid">
                <Field form={form} name={logspaceField('from')} label="from (10^…)" placeholder="-6" />
                <Field form={form} name={logspaceField('to')} label="to (10^…)" placeholder="-3" />
                <Field form={form} name={logspaceField('count')} label="count" placeholder="4" />
              </div>
            </>
          )}
        </fieldset>
        <div class="field-grid">
          <Field form={form} name="seeds" label="Seeds" placeholder="1, 2, 3" hint="one run per λ and seed; empty: one run per λ" />
        </div>
        <fieldset>
          <legend>Every run</legend>
          <SpecFields form={form} prefix="base." />
        </fieldset>
        <FormErrors form={form} />
        <button type="submit" disabled={form.busy}>
          {form.busy ? 'Submitting…' : 'Submit sweep'}
        </button>
      </form>
    </section>
  );
}
