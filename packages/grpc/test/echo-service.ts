import {
  type Client,
  credentials,
  type Interceptor,
  makeGenericClientConstructor,
  Server,
  ServerCredentials,
  type ServerInterceptor,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';

/** A message of the test service: JSON, so no .proto file is needed. */
export type Message = Record<string, unknown>;

const serialize = (value: Message): Buffer => Buffer.from(JSON.stringify(value));
const deserialize = (bytes: Buffer): Message => JSON.parse(bytes.toString()) as Message;

function method(name: string, requestStream: boolean, responseStream: boolean) {
  return {
    path: `/hoptrace.test.Echo/${name}`,
    requestStream,
    responseStream,
    requestSerialize: serialize,
    requestDeserialize: deserialize,
    responseSerialize: serialize,
    responseDeserialize: deserialize,
  };
}

/** One method of each call shape. */
export const ECHO_SERVICE = {
  unary: method('Unary', false, false),
  clientStream: method('ClientStream', true, false),
  serverStream: method('ServerStream', false, true),
  bidi: method('Bidi', true, true),
} satisfies ServiceDefinition;

export const EchoClient = makeGenericClientConstructor(ECHO_SERVICE, 'Echo');
export type EchoClientInstance = InstanceType<typeof EchoClient> & Client;

export interface RunningServer {
  readonly server: Server;
  readonly port: number;
  readonly target: string;
  client(interceptors?: Interceptor[]): EchoClientInstance;
  close(): Promise<void>;
}

/** A grpc-js server on 127.0.0.1, port 0, with `interceptors` and `implementation`. */
export async function startServer(
  implementation: UntypedServiceImplementation,
  interceptors: ServerInterceptor[],
  channelOptions: Record<string, number> = {},
): Promise<RunningServer> {
  const server = new Server({ interceptors, ...channelOptions });
  server.addService(ECHO_SERVICE, implementation);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error === null ? resolve(bound) : reject(error),
    );
  });
  const target = `127.0.0.1:${port}`;
  const clients: Client[] = [];
  return {
    server,
    port,
    target,
    client(clientInterceptors = []) {
      const client = new EchoClient(target, credentials.createInsecure(), {
        interceptors: clientInterceptors,
        ...channelOptions,
      }) as EchoClientInstance;
      clients.push(client);
      return client;
    },
    close() {
      for (const client of clients) client.close();
      return new Promise((resolve) => server.tryShutdown(() => resolve()));
    },
  };
}
