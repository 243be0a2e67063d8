import { useState } from 'preact/hooks';
import { apiKey, setApiKey } from '../api.ts';

/** Where a person gives the page their API key; `onChange` lets the views load again with it. */
export function ApiKeyField({ onChange }: { onChange(): void }) {
  const [stored, setStored] = useState(() => apiKey() !== null);
  const [draft, setDraft] = useState('');
  const save = (key: string | null) => {
    setApiKey(key);
    setStored(apiKey() !== null);
    setDraft('');
    onChange();
  };
  if (stored) {
    return (
      <span class="api-key" data-key="set">
        API key set for this tab{' '}
        <button type="button" onClick={() => save(null)}>
          forget
        </button>
      </span>
    );
  }
  return (
    <form
      class="api-key"
      data-key="unset"
      onSubmit={(event) => {
        event.preventDefault();
        save(draft);
      }}
    >
      <input type="password" name="api-key" placeholder="API key" autocomplete="off" value={draft} onInput={(event) => setDraft(event.currentTarget.value)} />
      <button type="submit">Use key</button>
    </form>
  );
}
