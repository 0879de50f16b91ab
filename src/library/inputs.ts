/**
 * Turns a photo path into what a run records about its input: the content
 * hash (so a run can be matched to its photo even after the file moves),
 * optionally a copy inside the library (so the experiment survives the user
 * deleting the photo) and optionally a thumbnail. Copies are named by
 * content, so runs on one photo share one copy.
 */
import path from 'node:path';
import { existsSync } from 'node:fs';
import { copyFileAtomic, sha256File } from './files.js';
import type { LibraryContext } from './context.js';
import type { RunInput } from './runs-repo.js';

export async function prepareInput(ctx: LibraryContext, file: string, options: { copy?: boolean; thumbnail?: boolean } = {}): Promise<RunInput> {
  const source = path.resolve(file);
  const sha256 = await sha256File(source);
  let stored = source;
  if (options.copy) {
    const ext = path.extname(source).toLowerCase().replace(/[^.a-z0-9]/g, '');
    stored = path.join(ctx.folders.inputs, `${sha256}${ext}`);
    if (!existsSync(stored)) await copyFileAtomic(source, stored);
  }
  let thumbPath: string | null = null;
  if (options.thumbnail) {
    // Loaded on demand: sharp is a native module most library users never need.
    const { thumbnail } = await import('./thumbnail.js');
    thumbPath = await thumbnail(source, ctx.folders.thumbs, { sha256 });
  }
  return { path: stored, sha256, thumbPath };
}
