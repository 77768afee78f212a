import type { Metadata } from '@grpc/grpc-js';
import type { HeadersLike } from '@hoptrace/core/adapter';

/**
 * The text values of `key` in `metadata` (a `-bin` key, or a value that is bytes, gives none).
 *
 * @example
 * ```ts
 * metadataText(call.metadata, 'x-request-id'); // ['abc']
 * ```
 */
export function metadataText(metadata: Metadata, key: string): string[] {
  if (key.endsWith('-bin')) return [];
  const texts: string[] = [];
  for (const value of metadata.get(key)) if (typeof value === 'string') texts.push(value);
  return texts;
}

/**
 * A `Metadata` seen as a fetch-like `Headers`, which core's `injectHeaders` writes into. Keys are
 * lower-case (grpc-js lower-cases them, and core passes lower-case names). `-bin` keys are
 * invisible: they are never ours. A value grpc-js refuses (it accepts printable ASCII only, as
 * core writes) is left out rather than thrown: a call never fails for its headers.
 *
 * @example
 * ```ts
 * hoptrace.injectHeaders(context, metadataTarget(metadata));
 * ```
 */
export function metadataTarget(metadata: Metadata): HeadersLike {
  return {
    get(name: string): string | null {
      const texts = metadataText(metadata, name.toLowerCase());
      return texts.length === 0 ? null : texts.join(', ');
    },
    set(name: string, value: string): void {
      const key = name.toLowerCase();
      if (key.endsWith('-bin')) return;
      try {
        metadata.set(key, value);
      } catch {
        // An illegal key or value for gRPC: left out, as core leaves out what fails its check.
      }
    },
    has(name: string): boolean {
      return metadataText(metadata, name.toLowerCase()).length > 0;
    },
    delete(name: string): void {
      const key = name.toLowerCase();
      if (!key.endsWith('-bin')) metadata.remove(key);
    },
    forEach(callback: (value: string, name: string) => void): void {
      for (const key of Object.keys(metadata.getMap())) {
        for (const value of metadataText(metadata, key)) callback(value, key);
      }
    },
  };
}
