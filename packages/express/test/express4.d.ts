// Express 4 is installed under the npm alias `express4` and ships no types of its own. The tests
// use only what Express 4 and 5 share (app, Router, json, urlencoded, error middleware), so they
// type it with Express 5's types.
declare module 'express4' {
  import express = require('express');
  export = express;
}
