/** The settings and the shared state every section of `npm run bench` runs with. */
import type { EmbeddedBroker } from './broker.js';

export interface Settings {
  readonly quick: boolean;
  /** Messages through the raw amqplib baseline. */
  readonly baselineMessages: number;
  /** Each baseline variant runs this many times, interleaved; the figure is the median. */
  readonly baselineRounds: number;
  /** Headless --duration, and the screen's measuring window, in seconds. */
  readonly windowS: number;
  /** Screen runs: seconds between the first frame and the start of the measuring window. */
  readonly warmupS: number;
  readonly presses: number;
  /** --duration of each scale run. */
  readonly scaleS: number;
  readonly consumerCounts: readonly number[];
  readonly subscriberCounts: readonly number[];
  readonly helpRuns: number;
  readonly launches: number;
  readonly spawns: number;
  /** Extra boots of each kind (a private node via startEmbeddedBroker, a plain rabbitmq-server). */
  readonly boots: number;
  readonly profile: boolean;
  /** Every producer in a bench scenario sends this 64-byte body. */
  readonly body: string;
  readonly fixedRate: number;
  readonly screen: { readonly columns: number; readonly rows: number };
}

export interface BenchContext {
  readonly settings: Settings;
  /** The private node every section runs against. */
  readonly node: EmbeddedBroker;
  /** A temporary directory for scenario files and records. */
  readonly dir: string;
  /** The scenarios several sections share: rate max, the fixed rate, and 1 msg/s. */
  readonly files: { readonly max: string; readonly fixed: string; readonly quiet: string };
  /** BENCH_SCREENS: where each screen run's output is saved, if anywhere. */
  readonly screensDir: string | undefined;
  /** Every sample, by section, for the details in results.json. */
  readonly results: Record<string, unknown>;
}
