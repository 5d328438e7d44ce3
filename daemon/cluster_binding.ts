/**
 * The cluster binding: how `mgrd serve` reaches the cluster its managers run on. A binding opens
 * the cluster once per process and gives each manager its own session (a {@link ClusterLink});
 * the daemon (daemon/serve.ts) does everything else: arguments, data directory, keyring, admin
 * endpoints, standbys, signals and the clean stop. The embedded simulated cluster
 * (sim/embedded.ts) is one binding; a real Ceph cluster through librados is another.
 *
 * @module
 */
import type { Clock } from "../core/clock.ts";
import type { ClusterLink, MonCommandResult } from "../core/cluster_link.ts";
import type { LocalCommand } from "../core/commands/service.ts";

/** What `mgrd serve` tells a binding when it opens the cluster. */
export interface ClusterBindingOptions {
  /** The daemon's clock (wall-clock time). */
  clock: Clock;
  /** The managers this process runs, the active candidate first; each asks `link()` once. */
  managerIds: readonly string[];
  /**
   * Admin endpoint URLs by manager name, shared by the daemons of this process (the daemons
   * add their own as they start); a binding that learns of managers elsewhere adds theirs.
   */
  endpoints?: Map<string, string>;
  /**
   * The binding's own command-line options, by name without the dashes, as given (`seed`,
   * `scenario` and `initial-modules` for the embedded cluster).
   */
  args: Readonly<Record<string, string | undefined>>;
}

/** A cluster opened for the managers of one `mgrd serve` process. */
export interface OpenCluster {
  /** A new session to the cluster for manager `id`; the daemon closes it when the manager stops. */
  link(id: string): ClusterLink & { close(): void };
  /** Commands the binding adds to every manager (the embedded cluster's `sim fault ...`). */
  readonly commands: readonly LocalCommand[];
  /**
   * Once the managers run: the cluster's own clients that send commands to the active
   * manager (the embedded cluster's ceph-crash posting its daemons' crash reports) get
   * `send`, which answers undefined while no manager of this process is active.
   */
  connectClients?(
    send: (cmd: Record<string, unknown>, inbuf: string) => Promise<MonCommandResult> | undefined,
  ): void;
  /** One line for the daemon log: what the managers run on. */
  describe(): string;
  /** Stops the cluster side; called once, after every manager has stopped. */
  close(): Promise<void>;
}

/** A way for `mgrd serve` to reach a cluster. */
export interface ClusterBinding {
  /**
   * Opens the cluster, keeping what it must keep under `dataDir`. Resolves to `{ refused }` when
   * the options cannot be used (the daemon prints the reason with its usage and exits 22).
   */
  open(
    dataDir: string,
    options: ClusterBindingOptions,
  ): Promise<OpenCluster | { refused: string }>;
}
