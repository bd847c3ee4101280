import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigurationError, isUuid } from '@govblocks/core';
import type { DocumentStore } from './ports.js';

/** Keeps document bytes in memory. For tests and demos. */
export function memoryDocumentStore(): DocumentStore & { readonly size: number } {
  const documents = new Map<string, Uint8Array>();
  return {
    get size() {
      return documents.size;
    },
    async put(id, content) {
      documents.set(id, new Uint8Array(content));
    },
    async get(id) {
      const content = documents.get(id);
      return content ? new Uint8Array(content) : undefined;
    },
    async delete(id) {
      documents.delete(id);
    },
  };
}

/**
 * Keeps document bytes as files in `directory` (one file per document, named by its uuid;
 * written to a temporary name and renamed, so a crash leaves no half file under the real name).
 */
export function filesystemDocumentStore(options: { directory: string }): DocumentStore {
  if (!options?.directory)
    throw new ConfigurationError('[registration/documents] a directory is required');
  const pathOf = (id: string) => {
    if (!isUuid(id))
      throw new ConfigurationError('[registration/documents] document ids are uuids');
    return join(options.directory, id);
  };
  let ready: Promise<unknown> | undefined;
  return {
    async put(id, content) {
      ready ??= mkdir(options.directory, { recursive: true });
      await ready;
      const { rename } = await import('node:fs/promises');
      const temporary = `${pathOf(id)}.part`;
      await writeFile(temporary, content);
      await rename(temporary, pathOf(id));
    },
    async get(id) {
      try {
        return new Uint8Array(await readFile(pathOf(id)));
      } catch (error) {
        if ((error as { code?: string }).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async delete(id) {
      await rm(pathOf(id), { force: true });
    },
  };
}
