// Starting and stopping: the same for every service, so each server.mjs only says what it does.

/**
 * Logs the line the local runner waits for: `{"msg":"listening","port":<number>,...}`. With
 * `PORT=0` the OS picks the port, and this line is how the runner learns it; `ports` adds the
 * service's other ones (inventory's `grpcPort`).
 */
export function announceListening(logger, config, port, ports = {}) {
  logger.info({ host: config.host, port, ...ports, mode: config.mode }, 'listening');
}

/**
 * On SIGTERM (docker stop, the runner) or SIGINT (Ctrl-C): runs `close`, then exits 0. Without a
 * handler Node dies of the signal, and a container stop would report a failure.
 *
 * @param {() => Promise<void>} close stops accepting connections and ends the open ones
 */
export function stopOnSignals(logger, close) {
  const stop = async (signal) => {
    logger.info({ signal }, 'stopping');
    try {
      await close();
    } finally {
      process.exit(0);
    }
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/**
 * Listens with a `node:http` server on the configured host and port, announces the port, and
 * closes the server on SIGTERM/SIGINT.
 *
 * @param {import('node:http').Server} server
 */
export function listen(server, config, logger) {
  server.once('error', (error) => {
    logger.fatal({ error: error.message }, 'cannot listen');
    process.exit(1);
  });
  server.listen(config.port, config.host, () => {
    announceListening(logger, config, server.address().port);
  });
  stopOnSignals(logger, () => closeServer(server));
}

/** Closes `server`: idle keep-alive connections at once, requests still running after 2 s. */
export function closeServer(server) {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 2000).unref();
  });
}

/** Answers `body` as JSON on a `node:http` response. */
export function sendJson(response, status, body) {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
