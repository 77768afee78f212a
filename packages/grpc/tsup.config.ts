import { packageBuild } from '../../tsup.base.js';

export default packageBuild({ external: ['@grpc/grpc-js', '@hoptrace/core'] });
