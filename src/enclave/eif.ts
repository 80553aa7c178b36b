// A measured and checked enclave image: structure, CRC and PCRs from the measurer, then the
// metadata and signature sections (spec §1.5 order: structure, CRC, metadata, signature).
import { fromHex } from './bytes.js';
import { type EifHeader } from './eif-format.js';
import { parseEifMetadata, type EifMetadata } from './eif-metadata.js';
import { measureEIF, type EifMeasurement, type EifMeasurerOptions, type EifSection } from './eif-measurer.js';
import { verifyEifSignature, type EifSignature } from './eif-signature.js';

export interface EifImage {
  readonly header: EifHeader;
  readonly sections: readonly EifSection[];
  readonly size: number;
  /** PCR0/1/2 always; PCR8 only for signed images (as nitro-cli prints them). */
  readonly pcrs: { readonly PCR0: string; readonly PCR1: string; readonly PCR2: string; readonly PCR8?: string };
  readonly crc32: number;
  /** Present for signed images; the signature was verified against the image's PCR0. */
  readonly signature: EifSignature | undefined;
  readonly metadata: EifMetadata | undefined;
}

/**
 * Check the metadata and signature sections of a measured image. Throws EIF_METADATA_INVALID,
 * EIF_SIGNATURE_INVALID or EIF_SIGNATURE_MISMATCH.
 */
export function inspectEIF(measurement: EifMeasurement): EifImage {
  const metadata = measurement.metadata === undefined ? undefined : parseEifMetadata(measurement.metadata);
  const signature =
    measurement.signature === undefined
      ? undefined
      : verifyEifSignature(measurement.signature, fromHex(measurement.pcrs.PCR0) as Uint8Array);
  return {
    header: measurement.header,
    sections: measurement.sections,
    size: measurement.size,
    pcrs: signature === undefined ? { ...measurement.pcrs } : { ...measurement.pcrs, PCR8: signature.pcr8 },
    crc32: measurement.crc32,
    signature,
    metadata,
  };
}

/** Measure and check a whole in-memory image; every check is strict and throws a coded EIF_* error. */
export function parseEIF(bytes: Uint8Array, options: Omit<EifMeasurerOptions, 'totalSize'> = {}): EifImage {
  return inspectEIF(measureEIF(bytes, options));
}
