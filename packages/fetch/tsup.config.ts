import { packageBuild } from '../../tsup.base.js';

export default packageBuild({ external: ['undici', 'axios', '@hoptrace/core'] });
