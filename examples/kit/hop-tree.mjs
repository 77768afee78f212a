// Reading the hop trees (used by the demo and the e2e tests) the example services answer with: every service returns
// `{ service, instance, requestId, traceId, spanId, parentSpanId, calls: [...] }`, so the
// gateway's answer is the whole tree of one user request.

/** Calls `visit(hop, parent)` for every hop of `tree`, depth first, the root with no parent. */
export function walk(tree, visit, parent = undefined) {
  visit(tree, parent);
  for (const call of tree.calls ?? []) walk(call, visit, tree);
}

/** Every hop of `tree` as a flat list, depth first. */
export function hops(tree) {
  const list = [];
  walk(tree, (hop) => list.push(hop));
  return list;
}

/**
 * The hops where the trace broke: a hoptrace service (it has a request ID) whose request ID or
 * trace ID is not the one its nearest hoptrace ancestor had. legacy (no hoptrace, `requestId`
 * null) is skipped over: what matters is whether the IDs made it through it.
 */
export function brokenHops(tree) {
  const broken = [];
  const visit = (hop, ancestor) => {
    const traced = hop.requestId !== null && hop.requestId !== undefined;
    if (traced && ancestor !== undefined) {
      if (hop.requestId !== ancestor.requestId || hop.traceId !== ancestor.traceId) {
        broken.push({ hop, ancestor });
      }
    }
    for (const call of hop.calls ?? []) visit(call, traced ? hop : ancestor);
  };
  visit(tree, undefined);
  return broken;
}

/** Runs `task(index)` for 0…total-1, at most `concurrency` at a time; resolves to the results. */
export async function runConcurrently(total, concurrency, task) {
  const results = new Array(total);
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}
