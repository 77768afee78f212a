import { packageTests } from '../../vitest.base.js';

// The integration and leak tests start real servers; on a loaded 2-core CI machine they take
// many times their usual second.
export default packageTests({ testTimeout: 30_000 });
