// What a form's text fields become in a request body. The API is the one validator: a value that is
// not a number is sent as typed, so the API's error names the field, in the API's words.

/** Empty → left out (the API's default applies); a number → that number; anything else → the text. */
export function numberValue(text: string): number | string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : trimmed;
}

/** `0, 1e-5 1e-4` → [0, 1e-5, 1e-4]: separated by commas or spaces; empty → left out. */
export function listValue(text: string): (number | string)[] | undefined {
  const items = text.split(/[\s,]+/).filter((item) => item !== '');
  return items.length === 0 ? undefined : items.map((item) => numberValue(item) ?? item);
}

export function textValue(text: string): string | undefined {
  return text.trim() === '' ? undefined : text;
}

/** The body without the fields left out, as JSON.stringify would send it. */
export function withoutUnset(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
}

/**
 * The form field an API error belongs to: `body.hiddenLayers[1]` → `hiddenLayers`,
 * `body.base.epochs` → `base.epochs`; the longest field that the path starts with, else undefined.
 */
export function fieldOf(path: string, fields: readonly string[]): string | undefined {
  const inBody = path.replace(/^body\.?/, '');
  return fields
    .filter((field) => inBody === field || inBody.startsWith(`${field}.`) || inBody.startsWith(`${field}[`))
    .sort((a, b) => b.length - a.length)[0];
}
