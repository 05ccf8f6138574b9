/**
 * The checks every queuetel package runs on its options, once, at construction; each error names
 * the field. Shared through `@queuetel/core/internal`, not part of the public API.
 */

/** Thrown at construction for an option that cannot work; the message names the field. */
export class QueuetelConfigError extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`queuetel: option '${field}' ${problem}`);
    this.name = 'QueuetelConfigError';
  }
}

/**
 * Checks that `value` is an object whose every key is in `known`: a key that is not is a typo, and
 * is refused by name. `field` is where the object sits (undefined for a function's own options).
 */
export function expectKnownKeys(
  field: string | undefined,
  value: unknown,
  known: readonly string[],
  noun = 'option',
): asserts value is object {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new QueuetelConfigError(field ?? 'options', `must be an object, got ${typeName(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new QueuetelConfigError(field === undefined ? key : `${field}.${key}`, `is not a known ${noun}`);
    }
  }
}

export function expectBoolean(field: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new QueuetelConfigError(field, `must be true or false, got ${typeName(value)}`);
  }
}

export function expectFunction(field: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') {
    throw new QueuetelConfigError(field, `must be a function, got ${typeName(value)}`);
  }
}

export function expectOneOf<T>(field: string, value: unknown, allowed: readonly T[]): void {
  if (value !== undefined && !allowed.includes(value as T)) {
    throw new QueuetelConfigError(
      field,
      `must be one of ${allowed.map((a) => `'${String(a)}'`).join(', ')}, got ${typeName(value)}`,
    );
  }
}

export function expectWholeNumber(field: string, value: unknown, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new QueuetelConfigError(
      field,
      `must be a whole number from ${min} to ${max}, got ${typeName(value)}`,
    );
  }
}

/** How a bad value is shown in an error: its type, and the value itself when it is short. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return value.length <= 40 ? `'${value}'` : 'a long string';
    case 'number':
    case 'boolean':
      return String(value);
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    default:
      return `a ${typeof value}`;
  }
}
