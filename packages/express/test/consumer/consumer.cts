// The same check as consumer.mts, for a CommonJS user's program: dist/index.d.cts.
import express = require('express');
import hoptraceExpress = require('@hoptrace/express');

const app = express();
app.use(hoptraceExpress.hoptrace());
app.get('/', (req, res) => {
  const id: string = req.id;
  const context: hoptraceExpress.TraceContext = req.hoptrace;
  // @ts-expect-error req.id is a string
  const wrong: number = req.id;
  res.json({ id, traceId: context.traceId, wrong });
});
