import { packageBuild } from '../../tsup.base.js';

// Express is only ever referenced by types, but it must never be bundled if that changes.
export default packageBuild({ external: ['express'] });
