// One benchmark app for instructions.sh: listens on a port the OS picks and prints it.
import { buildApp } from './apps.mjs';

const [framework, variant] = process.argv.slice(2);
const listen = await buildApp(framework, variant);
const server = await listen(0);
console.log(`PORT ${server.address().port}`);
