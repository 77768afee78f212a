// One benchmark server in its own process (so it can be pinned to a core): builds the app (or, given
// a backend's origin as third argument, the two-hop edge calling it), listens on a port the OS
// picks on 127.0.0.1, and tells the parent the port over IPC.
import { buildApp } from './apps.mjs';
import { buildEdge } from './two-hop.mjs';

const [framework, variant, backend] = process.argv.slice(2);
const listen =
  backend === undefined
    ? await buildApp(framework, variant)
    : await buildEdge(framework, variant, backend);
const server = await listen(0);
process.send?.({ port: server.address().port, pid: process.pid });
process.on('message', (message) => {
  if (message === 'stop') server.close(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
