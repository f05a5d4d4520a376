// Grafana's published dashboard types (npm @grafana/schema), narrowed for this dashboard: every query is a
// Prometheus query. GrafanaSchemaTest writes fedmesh.json into `const dashboard: FedmeshDashboard = ...;`
// beside this file and runs tsc on it, so a field of the wrong type, a missing required field, or (in
// object literals) an unknown field fails the build.
import type { DataQuery, DataSourceRef, Dashboard, Panel, RowPanel } from '@grafana/schema';

/**
 * The Prometheus data source's query (Grafana's PromQuery, the fields this dashboard may use). A type alias,
 * not an interface, so that it stays assignable to the schema's Record<string, unknown> targets.
 */
export type PromQuery = Pick<DataQuery, 'refId' | 'hide' | 'key' | 'queryType'> & {
  datasource?: DataSourceRef & { type: 'prometheus' };
  expr: string;
  legendFormat?: string;
  editorMode?: 'code' | 'builder';
  range?: boolean;
  instant?: boolean;
  format?: 'time_series' | 'table' | 'heatmap';
  interval?: string;
  exemplar?: boolean;
};

export type PromPanel = Omit<Panel, 'targets' | 'datasource'> & {
  datasource?: DataSourceRef & { type: 'prometheus' };
  targets?: PromQuery[];
};

export type FedmeshDashboard = Omit<Dashboard, 'panels'> & {
  uid: string;
  title: string;
  panels: Array<PromPanel | RowPanel>;
};

/** The narrowed type is still a Dashboard. */
export function asDashboard(d: FedmeshDashboard): Dashboard {
  return d;
}
