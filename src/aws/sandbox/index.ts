/** The simulated AWS account (in progress). */
import { CosignerError } from '../../errors.js';
import type { AwsPorts } from '../ports.js';

export interface SandboxPortsOptions {
  dir: string;
  region?: string;
  env?: NodeJS.ProcessEnv;
}

export function createSandboxPorts(_options: SandboxPortsOptions): Promise<AwsPorts> {
  return Promise.reject(new CosignerError('NOT_AVAILABLE', 'the sandbox is not available yet'));
}
