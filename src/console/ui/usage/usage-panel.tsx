import { useState } from 'preact/hooks';
import { ErrorBanner, Progress, SelectField } from '../components/ui.tsx';
import { useAsync } from '../hooks.ts';
import { usePersonaOptions } from '../knowledge/persona-options.ts';
import { BreakdownChart } from './breakdown-chart.tsx';
import type { ChartRow } from './data-table.tsx';
import { DayChart } from './day-chart.tsx';
import { daysBetween } from './scale.ts';
import { getUsage, type UsageReport, type UsageRow } from './usage-api.ts';

/**
 * Usage of the account over a range: totals, a bar per day, and the breakdowns by persona and by model,
 * counted in requests or tokens. Three reports of GET /v1/usage (one per grouping), loaded together.
 */

const RANGES = [
  { value: '7', label: 'Last 7 days' },
  { value: '30', label: 'Last 30 days' },
  { value: '90', label: 'Last 90 days' },
];
const METRICS = [
  { value: 'requests', label: 'Requests' },
  { value: 'total_tokens', label: 'Tokens' },
] as const;
type Metric = (typeof METRICS)[number]['value'];

export function UsagePanel() {
  const [days, setDays] = useState('30');
  const [metric, setMetric] = useState<Metric>('requests');
  const personas = usePersonaOptions();
  const reports = useAsync(
    async (signal) => {
      const to = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
      const from = new Date(Date.parse(to) - Number(days) * 86_400_000).toISOString().slice(0, 10);
      const [day, persona, model] = await Promise.all(
        (['day', 'persona', 'model'] as const).map((g) => getUsage(g, { from, to }, signal)),
      );
      return { day, persona, model } as Record<'day' | 'persona' | 'model', UsageReport>;
    },
    [days],
  );
  const r = reports.data;
  const unit = metric === 'requests' ? 'requests' : 'tokens';
  const value = (row: UsageRow) => row[metric];
  return (
    <div class="usage">
      <div class="filters">
        <SelectField label="Range" value={days} options={RANGES} onValue={setDays} />
        <SelectField label="Count" value={metric} options={METRICS} onValue={(v) => setMetric(v as Metric)} />
      </div>
      <ErrorBanner message={reports.error} />
      {!r && reports.loading && <Progress label="Loading usage…" />}
      {r && (
        <>
          <dl class="totals">
            <div>
              <dt>Requests</dt>
              <dd>{r.day.totals.requests.toLocaleString('en-US')}</dd>
            </div>
            <div>
              <dt>Tokens</dt>
              <dd>{r.day.totals.total_tokens.toLocaleString('en-US')}</dd>
            </div>
            <div>
              <dt>Errors</dt>
              <dd>{r.day.totals.errors.toLocaleString('en-US')}</dd>
            </div>
            <div>
              <dt>Average latency</dt>
              <dd>{Math.round(r.day.totals.avg_latency_ms)} ms</dd>
            </div>
          </dl>
          {r.day.totals.estimated_requests > 0 && (
            <p class="muted">
              {r.day.totals.estimated_requests.toLocaleString('en-US')} of the requests have estimated token
              counts (the local engine's, and providers that report none).
            </p>
          )}
          <DayChart
            title={`${METRICS.find((m) => m.value === metric)?.label} per day`}
            description={`${unit} per UTC day from ${r.day.from.slice(0, 10)} to ${r.day.to.slice(0, 10)}; total ${r.day.totals[metric].toLocaleString('en-US')}.`}
            unit={unit}
            rows={byDay(r.day, metric)}
          />
          <BreakdownChart
            title={`${METRICS.find((m) => m.value === metric)?.label} by persona`}
            description={`${unit} of each persona over the range.`}
            labelHeader="Persona"
            unit={unit}
            rows={r.persona.data.map((row) => {
              const id = row.persona_id ?? '';
              return {
                label: id === '' ? '(no persona)' : (personas.names.get(id) ?? id),
                detail: id || undefined,
                value: value(row),
              };
            })}
          />
          <BreakdownChart
            title={`${METRICS.find((m) => m.value === metric)?.label} by model`}
            description={`${unit} of each provider and model over the range.`}
            labelHeader="Model"
            unit={unit}
            rows={r.model.data.map((row) => ({
              label: `${row.provider ?? '?'} / ${row.model ?? '?'}`,
              value: value(row),
            }))}
          />
          {(r.day.truncated || r.persona.truncated || r.model.truncated) && (
            <p class="muted">Some groups were left out (more than 1000): narrow the range.</p>
          )}
        </>
      )}
    </div>
  );
}

/** Every day of the range, days without usage as zero, oldest first. */
function byDay(report: UsageReport, metric: 'requests' | 'total_tokens'): ChartRow[] {
  const seen = new Map(report.data.map((row) => [String(row.day ?? '').slice(0, 10), row[metric]]));
  return daysBetween(report.from, report.to).map((day) => ({ label: day, value: seen.get(day) ?? 0 }));
}
