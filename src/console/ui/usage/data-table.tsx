/** The table every chart carries: the same numbers for screen readers, copy-paste and narrow screens. */

export interface ChartRow {
  label: string;
  value: number;
  /** Shown in the table only (e.g. the full persona id under a name). */
  detail?: string;
}

export function ChartTable({
  caption,
  labelHeader,
  valueHeader,
  rows,
}: {
  caption: string;
  labelHeader: string;
  valueHeader: string;
  rows: readonly ChartRow[];
}) {
  return (
    <details class="chart-table">
      <summary>Show {caption} as a table</summary>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{labelHeader}</th>
            <th scope="col">{valueHeader}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.label + (r.detail ?? '')}>
              <th scope="row">
                {r.label}
                {r.detail !== undefined && r.detail !== r.label && <small> {r.detail}</small>}
              </th>
              <td>{r.value.toLocaleString('en-US')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
