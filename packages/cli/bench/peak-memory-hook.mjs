// Preloaded into the benchmarked `hoptrace` process (node --import): on exit, writes its peak RSS
// and the largest heap seen right after a full (mark-compact) GC, which is what the program
// really keeps alive; RSS also counts the garbage V8 lets pile up between full GCs.
import { constants, PerformanceObserver } from 'node:perf_hooks';

let liveAfterMajorGc = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
      liveAfterMajorGc = Math.max(liveAfterMajorGc, process.memoryUsage().heapUsed);
    }
  }
}).observe({ entryTypes: ['gc'] });

process.on('exit', () => {
  const peakRssKb = process.resourceUsage().maxRSS;
  process.stderr.write(
    `\nHOPTRACE_BENCH_MAXRSS_KB=${peakRssKb} HOPTRACE_BENCH_LIVE_KB=${Math.round(liveAfterMajorGc / 1024)}\n`,
  );
});
