import type { ComponentChildren } from 'preact';
import type { ApiForm } from './use-api-form.ts';

const errorId = (name: string) => `${name.replace(/\W/g, '-')}-error`;

/** A labelled text input with the API's errors for it underneath. */
export function Field({ form, name, label, placeholder, hint }: { form: ApiForm; name: string; label: string; placeholder?: string; hint?: string }) {
  const errors = form.errorsFor(name);
  return (
    <label class="field">
      <span class="field-label">{label}</span>
      <input
        type="text"
        name={name}
        placeholder={placeholder}
        aria-invalid={errors.length > 0}
        aria-describedby={errors.length > 0 ? errorId(name) : undefined}
        autocomplete="off"
      />
      {hint !== undefined && <span class="field-hint">{hint}</span>}
      <FieldErrors id={errorId(name)} field={name} errors={errors} />
    </label>
  );
}

export function FieldErrors({ id, field, errors }: { id?: string; field: string; errors: readonly string[] }) {
  if (errors.length === 0) return null;
  return (
    <span class="field-error" id={id ?? errorId(field)} data-error-for={field}>
      {errors.join('; ')}
    </span>
  );
}

export function FormErrors({ form }: { form: ApiForm }) {
  if (form.formErrors.length === 0) return null;
  return (
    <ul class="error-banner form-errors" role="alert">
      {form.formErrors.map((message) => (
        <li key={message}>{message}</li>
      ))}
    </ul>
  );
}

export function Fieldset({ legend, children }: { legend: string; children: ComponentChildren }) {
  return (
    <fieldset>
      <legend>{legend}</legend>
      {children}
    </fieldset>
  );
}
