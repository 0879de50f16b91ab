/**
 * Request bodies with limits: JSON up to 1 MB, file uploads up to 300 MB.
 * A declared Content-Length over the limit is refused before anything is
 * read; a body that grows past it while streaming is cut off.
 */
import type { IncomingMessage } from 'node:http';
import { ApiFailure } from '../app/api-errors.js';
import { MAX_UPLOAD_BYTES } from '../app/api-validate.js';

export const MAX_JSON_BYTES = 1024 * 1024;
export { MAX_UPLOAD_BYTES };

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;

export function readBody(req: IncomingMessage, limit: number, what: string): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(new ApiFailure('too-large', `The ${what} is ${declared} bytes; at most ${mb(limit)} are accepted`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new ApiFailure('too-large', `The ${what} is larger than the ${mb(limit)} accepted`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

/** A JSON body (Content-Type application/json); an empty body is `undefined`. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const bytes = await readBody(req, MAX_JSON_BYTES, 'JSON body');
  if (bytes.length === 0) return undefined;
  const type = String(req.headers['content-type'] ?? '');
  if (!/^application\/json\b/i.test(type)) {
    throw new ApiFailure('invalid-argument', `Expected Content-Type application/json for this request but received ${JSON.stringify(type)}`);
  }
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new ApiFailure('invalid-argument', `The request body is not valid JSON (${(err as Error).message})`);
  }
}
