// Koa 2 is installed under the alias `koa2` (see package.json) to test both majors side by side.
// @types/koa describes the API both majors share, so the alias reuses it.
declare module 'koa2' {
  import Koa = require('koa');
  export = Koa;
}
