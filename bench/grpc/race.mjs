// What a race of two servers in the same windows needs, whatever the protocol (the method of
// bench/http, ../README.md): pinning processes to a core with `taskset -a`, CPU time per request
// from /proc, the median and middle half of per-window ratios, and the report table. bench/http's
// run.mjs has the same steps inline (it exports nothing); this module is where they can live once.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Whether `taskset` runs here; without it servers and load share both cores. */
export const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Pins every thread of process `pid` (`taskset -a`) to `core`; a no-op without taskset. */
export function pin(pid, core) {
  if (!hasTaskset) return;
  execFileSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' });
}

/** utime + stime of a process, in clock ticks (/proc/<pid>/stat fields 14 and 15). */
export function cpuTicks(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]);
}

/** CPU time per request since `before` (clock ticks of 10 ms), in microseconds. */
export function cpuMicrosPerRequest(pid, before, requests) {
  return requests === 0 ? 0 : ((cpuTicks(pid) - before) * 10_000) / requests;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** The first and third quartiles: how far the per-window ratios spread around their median. */
export function quartiles(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (fraction) => sorted[Math.floor((sorted.length - 1) * fraction)] ?? Number.NaN;
  return [at(0.25), at(0.75)];
}

/** A ratio as a signed change: 0.962 → "-3.8%". */
export function percent(ratio) {
  const change = (ratio - 1) * 100;
  return `${change >= 0 ? '+' : ''}${change.toFixed(1)}%`;
}

/**
 * One report row from a contender's windows, each `{ baseline, contender }` results with `rps`,
 * `p99`, `errors` and `cpuMicrosPerRequest`.
 */
export function summarize(group, variant, windows) {
  const ratios = windows.map((window) => window.contender.rps / window.baseline.rps);
  const of = (side, key) => median(windows.map((window) => window[side][key]));
  return {
    group,
    variant,
    windows: windows.length,
    baselineRps: Math.round(of('baseline', 'rps')),
    rps: Math.round(of('contender', 'rps')),
    ratio: median(ratios),
    ratioQuartiles: quartiles(ratios),
    baselineP99: of('baseline', 'p99'),
    p99: of('contender', 'p99'),
    cpuRatio: median(
      windows.map(
        (window) => window.contender.cpuMicrosPerRequest / window.baseline.cpuMicrosPerRequest,
      ),
    ),
    errors: windows.reduce(
      (sum, window) => sum + window.contender.errors + window.baseline.errors,
      0,
    ),
  };
}

/** The markdown table of `rows` (from `summarize`), raced against `baseline`. */
export function reportTable(rows, { groupTitle, baseline, unit = 'req/s' }) {
  const round = (value) => (Number.isFinite(value) ? value.toFixed(2) : String(value));
  const lines = [
    `| ${groupTitle} | contender | ${unit} (${baseline} in the same windows) | p99 ms (${baseline}) | throughput vs ${baseline} (middle half of windows) | CPU per request vs ${baseline} |`,
    '|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const [low, high] = row.ratioQuartiles.map(percent);
    lines.push(
      `| ${row.group} | ${row.variant} | ${row.rps.toLocaleString('en-US')} (${row.baselineRps.toLocaleString('en-US')}) | ${round(row.p99)} (${round(row.baselineP99)}) | ${percent(row.ratio)} = ${row.ratio.toFixed(3)} (${low} to ${high}) | ${row.cpuRatio.toFixed(2)}× |${row.errors > 0 ? ` ${row.errors} errors` : ''}`,
    );
  }
  return lines.join('\n');
}
