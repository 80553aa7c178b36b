// The sandbox's CloudTrail log: one event per API call attempt, with `readOnly` telling writes apart.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TRAIL_FILE } from '../../src/aws/sandbox/index.js';

export interface TrailEvent {
  eventName: string;
  eventSource: string;
  readOnly: boolean;
  errorCode?: string;
}

export async function readTrail(sandboxDir: string): Promise<TrailEvent[]> {
  let text: string;
  try {
    text = await readFile(join(sandboxDir, TRAIL_FILE), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as TrailEvent);
}
