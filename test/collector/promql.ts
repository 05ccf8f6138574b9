import { parser } from '@prometheus-io/lezer-promql';

/** One metric selector in a PromQL expression, and the labels the expression needs it to have. */
export interface SelectorUse {
  readonly metric: string;
  /** Labels in its matchers, and the `by (...)` labels of every aggregation around it. */
  readonly labels: readonly string[];
}

/** Whether `expr` parses as PromQL (the grammar of Prometheus's own editor). */
export function parsesAsPromql(expr: string): boolean {
  let error = false;
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) error = true;
    },
  });
  return !error;
}

/**
 * Every selector that names its metric, with the labels it must carry for the query to mean what
 * it says: a misspelled label in `by (...)` or in a matcher silently matches nothing.
 */
export function selectorUses(expr: string): SelectorUse[] {
  const uses: SelectorUse[] = [];
  const grouping: string[][] = [];
  const cursor = parser.parse(expr).cursor();
  const text = (from: number, to: number) => expr.slice(from, to);

  const visit = (): void => {
    const node = cursor.node;
    let pushed = false;
    if (node.name === 'AggregateExpr') {
      const modifier = node.getChild('AggregateModifier');
      if (modifier?.getChild('By')) {
        const labels = modifier.getChild('GroupingLabels')?.getChildren('LabelName') ?? [];
        grouping.push(labels.map((label) => text(label.from, label.to)));
        pushed = true;
      }
    }
    if (node.name === 'VectorSelector') {
      const identifier = node.getChild('Identifier');
      if (identifier) {
        const matchers = node.getChild('LabelMatchers');
        const matched = (matchers?.getChildren('UnquotedLabelMatcher') ?? []).flatMap((matcher) => {
          const name = matcher.getChild('LabelName');
          return name ? [text(name.from, name.to)] : [];
        });
        uses.push({
          metric: text(identifier.from, identifier.to),
          labels: [...new Set([...matched, ...grouping.flat()])],
        });
      }
    }
    if (cursor.firstChild()) {
      do visit();
      while (cursor.nextSibling());
      cursor.parent();
    }
    if (pushed) grouping.pop();
  };
  visit();
  return uses;
}

/** A `by (...)` aggregation or an `on (...)` match, with the labels it keeps and the metrics under it. */
export interface Grouping {
  readonly kind: 'by' | 'on';
  readonly labels: readonly string[];
  readonly metrics: readonly string[];
  /** The expression it groups, for messages. */
  readonly text: string;
}

/**
 * Every `by (...)` aggregation and every `on (...)` vector match in `expr`. A grouping that keeps
 * some of what identifies a series but not all of it merges series that should stay apart.
 */
export function groupings(expr: string): Grouping[] {
  const selectors: { metric: string; from: number; to: number }[] = [];
  const found: { kind: Grouping['kind']; labels: string[]; from: number; to: number }[] = [];
  const text = (from: number, to: number) => expr.slice(from, to);
  const labelsOf = (clause: {
    getChild(name: string): { getChildren(name: string): { from: number; to: number }[] } | null;
  }) => (clause.getChild('GroupingLabels')?.getChildren('LabelName') ?? []).map((l) => text(l.from, l.to));
  parser.parse(expr).iterate({
    enter(ref) {
      const node = ref.node;
      if (node.name === 'VectorSelector') {
        const identifier = node.getChild('Identifier');
        if (identifier)
          selectors.push({ metric: text(identifier.from, identifier.to), from: node.from, to: node.to });
      } else if (node.name === 'AggregateExpr') {
        const modifier = node.getChild('AggregateModifier');
        if (modifier?.getChild('By'))
          found.push({ kind: 'by', labels: labelsOf(modifier), from: node.from, to: node.to });
      } else if (node.name === 'BinaryExpr') {
        const matching = node.getChild('MatchingModifierClause');
        if (matching?.getChild('On'))
          found.push({ kind: 'on', labels: labelsOf(matching), from: node.from, to: node.to });
      }
    },
  });
  return found.map(({ kind, labels, from, to }) => ({
    kind,
    labels,
    metrics: [...new Set(selectors.filter((s) => s.from >= from && s.to <= to).map((s) => s.metric))],
    text: text(from, to),
  }));
}
