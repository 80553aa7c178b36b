// A bounds-checked big-endian reader over a byte array. Reading past the end throws the coded
// error the caller chose (EIF_TRUNCATED for EIF headers), never a RangeError.
import { fail, type CosignerErrorCode } from '../errors.js';

export class ByteCursor {
  readonly #view: DataView;
  readonly #code: CosignerErrorCode;
  readonly #what: string;
  #offset = 0;

  constructor(bytes: Uint8Array, what: string, code: CosignerErrorCode = 'EIF_TRUNCATED') {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#what = what;
    this.#code = code;
  }

  get offset(): number {
    return this.#offset;
  }

  get remaining(): number {
    return this.#view.byteLength - this.#offset;
  }

  #take(count: number): number {
    if (count > this.remaining) {
      fail(
        this.#code,
        `${this.#what} is truncated: needs ${count} bytes at offset ${this.#offset}, ${this.remaining} left`,
        'the file is incomplete or damaged; copy it again',
      );
    }
    const at = this.#offset;
    this.#offset += count;
    return at;
  }

  u16(): number {
    return this.#view.getUint16(this.#take(2));
  }

  u32(): number {
    return this.#view.getUint32(this.#take(4));
  }

  /** u64 as bigint: sizes and offsets can be hostile (2^63) and must not lose precision. */
  u64(): bigint {
    return this.#view.getBigUint64(this.#take(8));
  }

  bytes(count: number): Uint8Array {
    const at = this.#take(count);
    return new Uint8Array(this.#view.buffer, this.#view.byteOffset + at, count);
  }

  skip(count: number): void {
    this.#take(count);
  }
}
