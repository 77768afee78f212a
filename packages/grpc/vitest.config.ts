import { packageTests } from '../../vitest.base.js';

export default packageTests({ testTimeout: 30_000 });
