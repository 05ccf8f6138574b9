/**
 * The few protocol-buffers wire primitives that encoding an OTLP histogram takes
 * (https://protobuf.dev/programming-guides/encoding/). Each call appends one field; `finish()`
 * returns the message's bytes, ready to be nested as another writer's `bytes` field.
 */
export class ProtobufWriter {
  readonly #parts: Uint8Array[] = [];
  #length = 0;

  /** A varint field (wire type 0), for enums and booleans. */
  varint(field: number, value: number): this {
    return this.#key(field, 0).#raw(varintBytes(value));
  }

  /** A fixed64 field (wire type 1), for unsigned 64-bit counts and times. */
  fixed64(field: number, value: bigint): this {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigUint64(0, value, true);
    return this.#key(field, 1).#raw(bytes);
  }

  /** A double field (wire type 1). */
  double(field: number, value: number): this {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value, true);
    return this.#key(field, 1).#raw(bytes);
  }

  /** A length-delimited field (wire type 2): a nested message, bytes or packed values. */
  bytes(field: number, value: Uint8Array): this {
    return this.#key(field, 2).#raw(varintBytes(value.length)).#raw(value);
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** A packed repeated fixed64 field. */
  packedFixed64(field: number, values: readonly number[]): this {
    const bytes = new Uint8Array(values.length * 8);
    const view = new DataView(bytes.buffer);
    values.forEach((value, i) => view.setBigUint64(i * 8, BigInt(value), true));
    return this.bytes(field, bytes);
  }

  /** A packed repeated double field. */
  packedDouble(field: number, values: readonly number[]): this {
    const bytes = new Uint8Array(values.length * 8);
    const view = new DataView(bytes.buffer);
    values.forEach((value, i) => view.setFloat64(i * 8, value, true));
    return this.bytes(field, bytes);
  }

  /** Appends bytes that already are encoded fields of this message. */
  fields(encoded: Uint8Array): this {
    return this.#raw(encoded);
  }

  finish(): Uint8Array {
    return concat(this.#parts, this.#length);
  }

  #key(field: number, wireType: number): this {
    return this.#raw(varintBytes(field * 8 + wireType));
  }

  #raw(bytes: Uint8Array): this {
    this.#parts.push(bytes);
    this.#length += bytes.length;
    return this;
  }
}

/** A non-negative integer as a varint. */
export function varintBytes(value: number): Uint8Array {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Uint8Array.from(bytes);
}

/** Reads the varint at `offset`: its value and the offset after it. */
export function readVarint(bytes: Uint8Array, offset: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let i = offset; i < bytes.length; i++) {
    const byte = bytes[i]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return { value, next: i + 1 };
    scale *= 0x80;
  }
  throw new Error('truncated varint');
}

export function concat(
  parts: readonly Uint8Array[],
  length = parts.reduce((n, p) => n + p.length, 0),
): Uint8Array {
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
