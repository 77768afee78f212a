// Type-checked on its own (`tsc -p test/consumer`, in `npm run test:package`) against the built
// dist/index.d.ts, as an ESM user's program sees it: the declaration bundler must keep the
// `declare global` augmentation, or users lose `req.id` and `req.hoptrace`. The sources are not
// in this program, so their augmentation cannot stand in for the published one.
import { hoptrace, type TraceContext } from '@hoptrace/express';
import express, { type RequestHandler } from 'express';

const app = express();
const middleware: RequestHandler = hoptrace({ requestIdHeader: 'x-correlation-id' });
app.use(middleware);
app.get('/', (req, res) => {
  const id: string = req.id;
  const context: TraceContext = req.hoptrace;
  // @ts-expect-error req.id is a string
  const wrong: number = req.id;
  res.json({ id, traceId: context.traceId, wrong });
});
