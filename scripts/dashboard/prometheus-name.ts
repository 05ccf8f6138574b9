/**
 * The names Prometheus stores for an OpenTelemetry metric, as the Collector's Prometheus exporter
 * writes them with its default translation (`UnderscoreEscapingWithSuffixes`, the rules of the
 * OpenTelemetry-to-Prometheus compatibility spec). Dashboards and alert rules are written against
 * these names, and the tests derive them here from what the SDK really emits, so a renamed
 * instrument or a changed unit breaks a test rather than a dashboard.
 */

import type { InstrumentKind } from '@queuetel/core';

/** One metric as Prometheus sees it. */
export interface PrometheusMetric {
  /** The name to query: with `_total` for a counter; the base of `_bucket`/`_sum`/`_count` for a histogram. */
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  /** Every series name Prometheus stores for the metric. */
  readonly series: readonly string[];
}

// UCUM units as Prometheus spells them; a unit not listed is kept as written.
const UNIT_WORDS: Readonly<Record<string, string>> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '1': '',
  '%': 'percent',
};

// The denominator of a rate unit such as `By/s`, in the singular.
const PER_UNIT_WORDS: Readonly<Record<string, string>> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

/** The Prometheus name and series of an OpenTelemetry instrument. */
export function prometheusName(metric: {
  readonly name: string;
  readonly unit: string;
  readonly kind: InstrumentKind;
}): PrometheusMetric {
  const tokens = metric.name.split(/[^a-zA-Z0-9:]+/).filter((token) => token.length > 0);
  const { main, per } = unitSuffixes(metric.unit);
  // A unit already spelled in the name (`..._seconds`) is not repeated.
  if (main !== '' && !tokens.includes(main)) tokens.push(main);
  if (per !== '' && !tokens.includes(per)) tokens.push(per);
  if (metric.kind === 'counter') moveToEnd(tokens, 'total');
  if (metric.kind === 'gauge' && metric.unit === '1') moveToEnd(tokens, 'ratio');
  let name = tokens.join('_');
  if (/^[0-9]/.test(name)) name = `_${name}`;
  if (name === '') throw new Error(`metric name '${metric.name}' has no character Prometheus allows`);

  switch (metric.kind) {
    case 'histogram':
      return {
        name,
        type: 'histogram',
        series: [`${name}_bucket`, `${name}_sum`, `${name}_count`],
      };
    case 'counter':
      return { name, type: 'counter', series: [name] };
    default:
      // An up-down counter can go down, so Prometheus has it as a gauge.
      return { name, type: 'gauge', series: [name] };
  }
}

/** The Prometheus label an OpenTelemetry attribute becomes: `error.type` is `error_type`. */
export function prometheusLabel(attribute: string): string {
  let label = attribute.replace(/[^a-zA-Z0-9_]/g, '_').replace(/(?<=.)_{2,}/g, '_');
  if (/^[0-9]/.test(label)) label = `key_${label}`;
  return label;
}

function unitSuffixes(unit: string): { main: string; per: string } {
  const slash = unit.indexOf('/');
  const mainUnit = (slash === -1 ? unit : unit.slice(0, slash)).trim();
  const perUnit = slash === -1 ? '' : unit.slice(slash + 1).trim();
  // Curly-brace units such as `{job}` are annotations, not units: they add nothing to the name.
  const main = mainUnit !== '' && !/[{}]/.test(mainUnit) ? cleanUnit(UNIT_WORDS[mainUnit] ?? mainUnit) : '';
  const per =
    perUnit !== '' && !/[{}]/.test(perUnit) ? cleanUnit(`per_${PER_UNIT_WORDS[perUnit] ?? perUnit}`) : '';
  return { main, per };
}

function cleanUnit(word: string): string {
  return word
    .replace(/[^a-zA-Z0-9:]/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
}

function moveToEnd(tokens: string[], word: string): void {
  const kept = tokens.filter((token) => token !== word);
  tokens.splice(0, tokens.length, ...kept, word);
}
