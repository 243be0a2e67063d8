/** `done` of `total` (epochs of a run, runs of a sweep), as a bar and as numbers. */
export function ProgressBar({ done, total, unit }: { done: number; total: number; unit: string }) {
  const label = `${done} / ${total} ${unit}`;
  return (
    <span class="progress" data-done={done} data-total={total}>
      <progress value={done} max={total} aria-label={label} />
      <span class="progress-label">{label}</span>
    </span>
  );
}
