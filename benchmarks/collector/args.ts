import { parseArgs } from 'node:util';

/** The sizes, pg-boss versions and cycles a collector benchmark runs, from its command line. */
export function collectorBenchArgs(): {
  sizes: number[];
  versions: ('12' | '10')[];
  cycles: number;
} {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '10000,100000,1000000' },
      versions: { type: 'string', default: '12,10' },
      cycles: { type: 'string', default: '30' },
    },
  });
  return {
    sizes: values.sizes.split(',').map(Number),
    versions: values.versions.split(',') as ('12' | '10')[],
    cycles: Number(values.cycles),
  };
}
