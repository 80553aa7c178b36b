// The v4 metadata section (spec §4; image-format `EifIdentityInfo`): compact UTF-8 JSON with the
// image name and version, build information, `docker inspect` output and custom metadata.
// Not measured into any PCR, so it is informative only.
import { z } from 'zod';
import { CosignerError } from '../errors.js';
import { fromUtf8 } from './bytes.js';

const buildMetadataSchema = z.looseObject({
  BuildTime: z.string(),
  BuildTool: z.string(),
  BuildToolVersion: z.string(),
  OperatingSystem: z.string(),
  KernelVersion: z.string(),
});

/** Required fields per the image-format README schema; unknown fields are kept. */
export const eifMetadataSchema = z.looseObject({
  ImageName: z.string(),
  ImageVersion: z.string(),
  BuildMetadata: buildMetadataSchema,
  DockerInfo: z.record(z.string(), z.unknown()),
  CustomMetadata: z.unknown().optional(),
});
export type EifMetadata = z.infer<typeof eifMetadataSchema>;

function invalid(what: string, cause?: unknown): never {
  throw new CosignerError('EIF_METADATA_INVALID', `invalid EIF metadata section: ${what}`, {
    hint: 'the image is damaged or was not built by nitro-cli',
    cause,
  });
}

/** Parse the metadata section. Throws EIF_METADATA_INVALID. */
export function parseEifMetadata(bytes: Uint8Array): EifMetadata {
  const text = fromUtf8(bytes) ?? invalid('not UTF-8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return invalid('not JSON', error);
  }
  const parsed = eifMetadataSchema.safeParse(json);
  if (!parsed.success)
    invalid(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
  return parsed.data;
}
