import { packageTests } from '../../vitest.base.js';

// The end-to-end tests run the built command, so the global setup builds it once first.
export default packageTests({ testTimeout: 60_000, globalSetup: ['./test/build-once.ts'] });
