// Every example service is configured from its environment only, so the same file runs on
// loopback under the local runner and in docker compose.

const MODES = new Set(['child', 'forward']);
const OUTBOUND_IDS = new Set(['forward', 'per-call']);

/**
 * Reads `HOST`, `PORT`, `SERVICE_NAME`, `HOPTRACE_MODE`, `HOPTRACE_OUTBOUND_ID` (`forward` or
 * `per-call`), `HOPTRACE_OBSERVE` (`1`: log an observation record per request/response pair),
 * `HOPTRACE_DIAG_TOKEN` (the diagnostics token: `hoptrace trace` works when it is set) and
 * the downstream base URLs named in
 * `urlNames` (e.g. `['ORDERS_URL']`). A missing or invalid value ends the process with a message
 * naming the variable: a service that cannot reach its downstreams should fail at start, not on
 * its first request.
 *
 * @param {string} service the service's name, e.g. `'orders'`
 * @param {string[]} [urlNames] the environment variables holding its downstream base URLs
 * @returns {{ service: string, instance: string, host: string, port: number,
 *   mode: 'child' | 'forward', outboundRequestId: 'forward' | 'per-call', observe: boolean,
 *   diagnosticsToken: string | undefined, urls: Record<string, string> }}
 */
export function readConfig(service, urlNames = [], environment = process.env) {
  const fail = (message) => {
    console.error(`${service}: ${message}`);
    process.exit(1);
  };

  const port = readPort(service, 'PORT', environment);
  const mode = environment.HOPTRACE_MODE || 'child';
  if (!MODES.has(mode)) {
    fail(`HOPTRACE_MODE must be "child" or "forward", got ${JSON.stringify(mode)}`);
  }

  const outboundRequestId = environment.HOPTRACE_OUTBOUND_ID || 'forward';
  if (!OUTBOUND_IDS.has(outboundRequestId)) {
    fail(
      `HOPTRACE_OUTBOUND_ID must be "forward" or "per-call", got ${JSON.stringify(outboundRequestId)}`,
    );
  }
  const observe = environment.HOPTRACE_OBSERVE === '1';
  // Diagnostic tracing (hoptrace trace): on when the shared token is given.
  const diagnosticsToken = environment.HOPTRACE_DIAG_TOKEN || undefined;
  if (diagnosticsToken !== undefined && !/^[A-Za-z0-9._~+/=-]{16,256}$/.test(diagnosticsToken)) {
    fail('HOPTRACE_DIAG_TOKEN must be 16 to 256 characters of A-Z a-z 0-9 . _ ~ + / = -');
  }

  const urls = {};
  for (const name of urlNames) {
    const value = environment[name];
    if (!value)
      fail(`${name} is required: the base URL of a downstream, e.g. http://127.0.0.1:8081`);
    if (!URL.canParse(value)) fail(`${name} is not a URL: ${JSON.stringify(value)}`);
    // Routes are appended to it ('/orders'), so a trailing slash would double.
    urls[name] = value.replace(/\/+$/, '');
  }

  return {
    service,
    instance: environment.SERVICE_NAME || service,
    host: environment.HOST || '127.0.0.1',
    port,
    mode,
    outboundRequestId,
    observe,
    diagnosticsToken,
    urls,
  };
}

/**
 * The hoptrace options every service passes to its adapter and its outbound client: the mode, the
 * outbound request ID policy, with observations on the service's logger as the observer (its
 * records are JSON lines beside the request logs, which `hoptrace topology` reads), and with a
 * diagnostics token the diagnostic trail (`hoptrace trace`), naming the instance.
 *
 * @param {ReturnType<typeof readConfig>} config
 * @param {{ info(record: object): unknown }} logger
 */
export function hoptraceOptions(config, logger) {
  return {
    mode: config.mode,
    outboundRequestId: config.outboundRequestId,
    observe: config.observe ? { observer: logger, service: config.instance } : undefined,
    diagnostics:
      config.diagnosticsToken === undefined
        ? undefined
        : { token: config.diagnosticsToken, service: config.instance },
  };
}

/**
 * A port number from `environment[name]` (`PORT`, `GRPC_PORT`); unset means 0, the OS picks. An
 * invalid value ends the process with a message naming the variable.
 */
export function readPort(service, name, environment = process.env) {
  const port = Number(environment[name] || 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(
      `${service}: ${name} must be a port number (0 lets the OS pick), got ${JSON.stringify(environment[name])}`,
    );
    process.exit(1);
  }
  return port;
}

/**
 * A gRPC target from `environment[name]` (e.g. `INVENTORY_GRPC_TARGET=haproxy:8081`): `host:port`,
 * as grpc-js takes it. Missing or malformed, it ends the process with a message naming the variable.
 */
export function readGrpcTarget(service, name, environment = process.env) {
  const value = environment[name];
  if (!value || !/^[A-Za-z0-9.-]+:\d{1,5}$/.test(value)) {
    console.error(
      `${service}: ${name} must be the host:port of a gRPC server, e.g. 127.0.0.1:50051, got ${JSON.stringify(value)}`,
    );
    process.exit(1);
  }
  return value;
}
