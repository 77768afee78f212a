import express5 from 'express';
import express4 from 'express4';

/** What `import express from 'express'` gives, for Express 4 and 5 alike. */
export type ExpressModule = typeof express5;

/** Every supported major: `describe.each(EXPRESS_VERSIONS)('%s', (name, express, major) => …)`. */
export const EXPRESS_VERSIONS: readonly (readonly [
  name: string,
  express: ExpressModule,
  major: 4 | 5,
])[] = [
  ['express 5', express5, 5],
  ['express 4', express4, 4],
];
