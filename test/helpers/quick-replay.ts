// Argument lists of a quick replay, shared by the CLI tests that only need a capture replayed
// (what it finds, which notes it writes), not a measurement: short runs, small budgets.

/** `paths` on the native path replaying `capture`, every frame let in (--promisc PF), at 1 Mpps
 *  for 0.1 ms a trial. */
export function quickPathsReplay(capture: string): string[] {
  return [
    "paths",
    "--path",
    "native",
    "--pcap",
    capture,
    "--promisc",
    "PF",
    "--rate",
    "1Mpps",
    "--trial-ms",
    "0.1",
  ];
}

/** `steering` options after its --mix: one queue, the single strategy, 500 frames at 10% of line
 *  rate, no NDR search, as JSON. */
export const QUICK_STEERING: readonly string[] = [
  "--strategy",
  "single",
  "--queues",
  "1",
  "--rate",
  "10%",
  "--no-ndr",
  "--frames",
  "500",
  "--json",
];
