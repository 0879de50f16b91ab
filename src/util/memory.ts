/**
 * Peak resident memory of this process (all its threads), in MB: what large
 * images are measured by. getrusage's ru_maxrss is in kilobytes on Linux and
 * Windows (libuv normalises it), bytes on macOS before libuv does; Node
 * reports kilobytes everywhere.
 */
export function peakRssMB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
