import { useState } from 'preact/hooks';
import { ApiError } from '../api.ts';
import { fieldOf } from './form-values.ts';

export interface ApiForm {
  busy: boolean;
  /** The API's messages for one field. */
  errorsFor(field: string): readonly string[];
  /** Messages that belong to no field of the form (a 409, an unreachable API, a field not on the form). */
  formErrors: readonly string[];
  onSubmit(event: SubmitEvent): void;
}

interface Errors {
  byField: Record<string, string[]>;
  form: string[];
}

function errorsOf(error: unknown, fields: readonly string[]): Errors {
  const errors: Errors = { byField: {}, form: [] };
  if (!(error instanceof ApiError)) {
    errors.form.push(error instanceof Error ? error.message : String(error));
    return errors;
  }
  if (error.details.length === 0) errors.form.push(error.message);
  for (const detail of error.details) {
    const field = fieldOf(detail.path, fields);
    if (field === undefined) errors.form.push(`${detail.path}: ${detail.message}`);
    else (errors.byField[field] ??= []).push(detail.message);
  }
  return errors;
}

/** Submits a form's values through `submit`; the API's per-field errors land on their fields. */
export function useApiForm(fields: readonly string[], submit: (data: FormData) => Promise<void>): ApiForm {
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Errors>({ byField: {}, form: [] });
  return {
    busy,
    errorsFor: (field) => errors.byField[field] ?? [],
    formErrors: errors.form,
    onSubmit(event) {
      event.preventDefault();
      if (busy || !(event.currentTarget instanceof HTMLFormElement)) return;
      const data = new FormData(event.currentTarget);
      setBusy(true);
      submit(data)
        .then(() => setErrors({ byField: {}, form: [] }))
        .catch((error: unknown) => setErrors(errorsOf(error, fields)))
        .finally(() => setBusy(false));
    },
  };
}
