import type { ExperimentStatus } from '@lab/contracts';

export function StatusBadge({ status }: { status: ExperimentStatus }) {
  return (
    <span class={`status status-${status}`} data-status={status}>
      {status}
    </span>
  );
}
