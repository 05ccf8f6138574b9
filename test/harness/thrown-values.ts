/** An Error whose every property a logger or SDK might read throws when read. */
function errorWithThrowingGetters(): Error {
  const error = new Error('never read');
  // `stack` first: V8 formats it lazily from `name` and `message`.
  for (const key of ['stack', 'message', 'name', 'constructor', 'code', 'cause']) {
    Object.defineProperty(error, key, {
      get() {
        throw new Error(`reading ${key} threw`);
      },
    });
  }
  return error;
}

function revoked<T extends object>(target: T): T {
  const { proxy, revoke } = Proxy.revocable(target, {});
  revoke();
  return proxy;
}

/** A proxy whose every trap throws: `instanceof`, `String()` and property reads all fail. */
function trapEverything(): object {
  const trap = () => {
    throw new Error('trapped');
  };
  return new Proxy(
    {},
    { get: trap, getPrototypeOf: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap },
  );
}

/**
 * What a handler may throw besides a well-behaved Error. Each is made fresh, since a revoked
 * proxy or an object a test compares by identity must not be shared across cases.
 */
export const HOSTILE_THROWS: readonly { readonly name: string; readonly make: () => unknown }[] = [
  { name: 'null', make: () => null },
  { name: 'undefined', make: () => undefined },
  { name: 'a string', make: () => 'plain string' },
  { name: 'a number', make: () => 42 },
  { name: 'a symbol', make: () => Symbol('thrown') },
  { name: 'a frozen object', make: () => Object.freeze({ code: 'FROZEN' }) },
  { name: 'a null-prototype object', make: () => Object.create(null) as object },
  { name: 'a frozen Error', make: () => Object.freeze(new TypeError('frozen')) },
  { name: 'a revoked proxy', make: () => revoked({}) },
  { name: 'a revoked proxy of an Error', make: () => revoked(new Error('revoked')) },
  { name: 'a proxy whose every trap throws', make: trapEverything },
  { name: 'an Error whose getters throw', make: errorWithThrowingGetters },
];
