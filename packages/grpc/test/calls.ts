import type {
  ClientDuplexStream,
  ClientReadableStream,
  ClientWritableStream,
  Metadata,
  ServiceError,
} from '@grpc/grpc-js';
import type { EchoClientInstance, Message } from './echo-service.js';

/** What a call of any shape brought back. */
export interface CallResult {
  readonly messages: Message[];
  readonly headers: Metadata | undefined;
  readonly error: ServiceError | undefined;
  /** The status's metadata: the trailers (or, for a trailers-only response, all there was). */
  readonly trailers: Metadata | undefined;
}

interface UntypedClient {
  unary(
    request: Message,
    metadata: Metadata,
    options: object,
    callback: (error: ServiceError | null, response?: Message) => void,
  ): unknown;
  clientStream(
    metadata: Metadata,
    options: object,
    callback: (error: ServiceError | null, response?: Message) => void,
  ): ClientWritableStream<Message>;
  serverStream(
    request: Message,
    metadata: Metadata,
    options: object,
  ): ClientReadableStream<Message>;
  bidi(metadata: Metadata, options: object): ClientDuplexStream<Message, Message>;
}

export type Shape = 'unary' | 'clientStream' | 'serverStream' | 'bidi';
export const SHAPES: readonly Shape[] = ['unary', 'clientStream', 'serverStream', 'bidi'];

/** Makes one call of `shape`, sending `requests` (the first alone for unary/server-streaming). */
export function call(
  client: EchoClientInstance,
  shape: Shape,
  metadata: Metadata,
  requests: Message[] = [{ n: 1 }, { n: 2 }],
  options: object = {},
): Promise<CallResult> {
  const untyped = client as unknown as UntypedClient;
  return new Promise((resolve) => {
    let headers: Metadata | undefined;
    let trailers: Metadata | undefined;
    const onStatus = (received: { metadata: Metadata }): void => {
      trailers = received.metadata;
    };
    const messages: Message[] = [];
    const done = (error: ServiceError | null | undefined, response?: Message): void => {
      if (response !== undefined) messages.push(response);
      setImmediate(() => resolve({ messages, headers, trailers, error: error ?? undefined }));
    };
    const onMetadata = (received: Metadata): void => {
      headers = received;
    };
    const first = requests[0] ?? {};
    if (shape === 'unary') {
      const made = untyped.unary(first, metadata, options, done) as {
        on(event: string, listener: (value: Metadata) => void): void;
      };
      made.on('metadata', onMetadata);
      made.on('status', onStatus as never);
    } else if (shape === 'clientStream') {
      const stream = untyped.clientStream(metadata, options, done);
      stream.on('metadata', onMetadata);
      stream.on('status', onStatus);
      for (const request of requests) stream.write(request);
      stream.end();
    } else {
      const stream =
        shape === 'serverStream'
          ? untyped.serverStream(first, metadata, options)
          : untyped.bidi(metadata, options);
      stream.on('metadata', onMetadata);
      stream.on('status', onStatus);
      stream.on('data', (message: Message) => messages.push(message));
      stream.on('error', (error: ServiceError) => done(error));
      stream.on('end', () => done(undefined));
      if (shape === 'bidi') {
        const duplex = stream as ClientDuplexStream<Message, Message>;
        for (const request of requests) duplex.write(request);
        duplex.end();
      }
    }
  });
}
