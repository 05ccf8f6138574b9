/**
 * The benchmarks measure queuetel as an application runs it: its built packages. Under the
 * repository's tsconfig, tsx resolves `@queuetel/*` to the TypeScript sources instead and compiles
 * them with helpers of its own (esbuild's `keepNames` wraps every named closure in a call that
 * redefines the function's name), which cost a job hundreds of bytes and a large share of a
 * microsecond that no application pays. The bench:* scripts therefore run tsx with
 * `TSX_TSCONFIG_PATH=benchmarks/tsconfig.dist.json`, and every suite checks it did.
 */
export function requireBuiltPackages(): void {
  const resolved = import.meta.resolve('@queuetel/core');
  if (!resolved.includes('/dist/')) {
    throw new Error(
      `@queuetel/core resolves to ${resolved}, not to its build: run the benchmarks through their npm ` +
        'scripts (npm run bench:…), which build the packages and set TSX_TSCONFIG_PATH=benchmarks/tsconfig.dist.json',
    );
  }
}
