// A small typed client of the service's REST API for the scripts (demo, reproduction, sweeps):
// every response is checked against the same Zod contracts the API serves.
import type { z } from 'zod';
import {
  createdExperimentSchema,
  createdSweepSchema,
  evaluationResponseSchema,
  experimentSchema,
  historySchema,
  sweepSchema,
  type ExperimentSpecInput,
  type SweepRequestInput,
} from '@lab/contracts';

export class ApiClient {
  /** `apiKey`: sent as `Authorization: Bearer <key>` on every request. */
  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string,
  ) {}

  private get authorization(): Record<string, string> {
    return { authorization: `Bearer ${this.apiKey}` };
  }

  private async call<Schema extends z.ZodType>(schema: Schema, path: string, init?: RequestInit): Promise<z.output<Schema>> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      ...init,
      headers: { ...this.authorization, ...(init?.body === undefined ? {} : { 'content-type': 'application/json' }), ...init?.headers },
    });
    const body: unknown = await response.json();
    if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${path} → ${response.status}: ${JSON.stringify(body)}`);
    return schema.parse(body);
  }

  submitExperiment(spec: ExperimentSpecInput) {
    return this.call(createdExperimentSchema, '/v1/experiments', { method: 'POST', body: JSON.stringify(spec) });
  }

  experiment(id: string) {
    return this.call(experimentSchema, `/v1/experiments/${id}`);
  }

  history(id: string, afterEpoch = 0) {
    return this.call(historySchema, `/v1/experiments/${id}/history?afterEpoch=${afterEpoch}`);
  }

  /** A non-JSON resource such as a plot (SVG) or a report (Markdown). */
  async text(path: string): Promise<string> {
    const response = await fetch(`${this.baseUrl}${path}`, { headers: this.authorization });
    if (!response.ok) throw new Error(`GET ${path} → ${response.status}: ${await response.text()}`);
    return response.text();
  }

  evaluation(id: string) {
    return this.call(evaluationResponseSchema, `/v1/experiments/${id}/evaluation`);
  }

  submitSweep(request: SweepRequestInput) {
    return this.call(createdSweepSchema, '/v1/sweeps', { method: 'POST', body: JSON.stringify(request) });
  }

  /** Status, progress, one row per λ and the recommendation, as of now. */
  sweep(id: string) {
    return this.call(sweepSchema, `/v1/sweeps/${id}`);
  }

  sweepPlot(id: string) {
    return this.text(`/v1/sweeps/${id}/plot.svg`);
  }

  /** The sweep's Markdown report, its plot linked at `plotHref` (relative to where the report is put). */
  sweepReport(id: string, plotHref?: string) {
    return this.text(`/v1/sweeps/${id}/report${plotHref === undefined ? '' : `?plotHref=${encodeURIComponent(plotHref)}`}`);
  }
}
