/**
 * An orchestrator backend that describes the cluster from what the manager knows of it: hosts
 * and daemons from the daemons' metadata (`list_servers()`), whether they run from the maps,
 * devices from `get('devices')`, services by daemon type. With it, `orch host ls`, `orch ps`,
 * `orch ls` and `orch device ls` answer on the simulated cluster (or any cluster) without
 * cephadm.
 *
 * On the simulator it also deploys, through the simulated mon's machine commands (`sim host
 * add`, `sim host ls`, `sim osd create`), as cephadm does over SSH: `orch host add <host>` adds
 * a host with empty disks, `orch device ls` lists them as available, `orch apply osd
 * --all-available-devices` creates an OSD on every available disk and `orch daemon add osd
 * <host>:<device>` on the ones named; the OSDMap, CRUSH and the PGs follow. Elsewhere those
 * answer the mon's refusal. `orch apply mon|mgr|mds` and `orch daemon add/rm` answer `This
 * Orchestrator does not support ...`, as Ceph's CLI does for a backend without them.
 *
 * @module
 */
import { EEXIST, EINVAL, ENOENT } from "mgr_module";
import {
  type DaemonDescription,
  type Device,
  type DriveGroupSpec,
  type HostSpec,
  type InventoryHost,
  Orchestrator,
  OrchestratorError,
  type OrchResult,
  orchResult,
  type ServiceDescription,
} from "mgr_module/orchestrator";

interface Server {
  hostname: string;
  services: { type: string; id: string }[];
}

/** A host as the simulated mon's `sim host ls` lists it. */
interface SimHost {
  hostname: string;
  addr: string;
  disks: { path: string; osd: number; size: number }[];
}

/** The simulator's orchestrator backend. */
export class SimOrchestrator extends Orchestrator {
  /** Labels set with `orch host label add` (kept in the module's store). */
  #labels(): Record<string, string[]> {
    try {
      return JSON.parse(this.get_store("labels") ?? "{}");
    } catch {
      return {};
    }
  }

  #servers(): Server[] {
    return (this.list_servers() as Server[]).filter((s) => s.hostname !== "");
  }

  #addr(hostname: string, server: Server): string {
    for (const d of server.services) {
      const md = this.get_metadata(d.type, d.id);
      const addr = md?.front_addr ?? md?.addr ?? "";
      const m = /(\d+\.\d+\.\d+\.\d+)/.exec(addr);
      if (m) return m[1] as string;
    }
    return hostname;
  }

  override available(): [boolean, string, Record<string, unknown>] {
    return this.have_mon_connection()
      ? [true, "", {}]
      : [false, "the manager has no mon connection", {}];
  }

  /** The machines as last listed, for while the mon is away (a mon command would wait). */
  #lastSimHosts: SimHost[] | null = null;

  /** The simulator's machines, or null when the mon is not the simulator's. */
  async #simHosts(): Promise<SimHost[] | null> {
    if (!this.have_mon_connection()) return this.#lastSimHosts;
    const [r, outb] = await this.mon_command({ prefix: "sim host ls" }, undefined, { timeout: 10 });
    if (r !== 0) return r === -110 ? this.#lastSimHosts : null;
    return this.#lastSimHosts = JSON.parse(outb) as SimHost[];
  }

  override get_hosts(): Promise<OrchResult<HostSpec[]>> {
    return orchResult(async () => {
      const labels = this.#labels();
      const hosts: HostSpec[] = this.#servers().map((s) => ({
        hostname: s.hostname,
        addr: this.#addr(s.hostname, s),
        labels: labels[s.hostname] ?? [],
        status: "",
      }));
      // Hosts added with no daemon yet, which no metadata names.
      for (const h of await this.#simHosts() ?? []) {
        if (hosts.some((x) => x.hostname === h.hostname)) continue;
        hosts.push({
          hostname: h.hostname,
          addr: h.addr,
          labels: labels[h.hostname] ?? [],
          status: "",
        });
      }
      return hosts;
    });
  }

  override add_host(spec: HostSpec): Promise<OrchResult<string>> {
    return orchResult(async () => {
      const [r, , outs] = await this.mon_command({
        prefix: "sim host add",
        hostname: spec.hostname,
      });
      // As cephadm, adding a host it has again only updates it.
      if (r !== 0 && r !== -EEXIST) throw new OrchestratorError(outs, r);
      if (spec.labels.length > 0) {
        const labels = this.#labels();
        labels[spec.hostname] = [...new Set([...(labels[spec.hostname] ?? []), ...spec.labels])];
        await this.set_store("labels", JSON.stringify(labels));
      }
      const host = (await this.#simHosts())?.find((h) => h.hostname === spec.hostname);
      // cephadm reports the address it resolved when only the name was given.
      const addr = spec.addr === spec.hostname && host?.addr ? host.addr : spec.addr;
      return `Added host '${spec.hostname}' with addr '${addr}'`;
    });
  }

  /** Creates an OSD on `path` of `host`: its id, or null when the disk is already an OSD's. */
  async #createOsd(host: string, path?: string): Promise<number | null> {
    const [r, outb, outs] = await this.mon_command({
      prefix: "sim osd create",
      hostname: host,
      ...(path === undefined ? {} : { path }),
    });
    if (r === -EEXIST) return null;
    if (r !== 0) throw new OrchestratorError(outs, r);
    return (JSON.parse(outb) as { osd: number }).osd;
  }

  override apply_drivegroups(specs: DriveGroupSpec[]): Promise<OrchResult<string[]>> {
    return orchResult(async () => {
      const hosts = await this.#simHosts();
      if (hosts === null) {
        throw new OrchestratorError(
          "the cluster is not the simulator's: it has no machines to deploy on",
          -EINVAL,
        );
      }
      const out: string[] = [];
      for (const spec of specs) {
        if (!spec.all_available_devices && !spec.data_devices?.all) {
          throw new OrchestratorError("only --all-available-devices is supported", -EINVAL);
        }
        for (const h of hosts) {
          for (const disk of h.disks) if (disk.osd < 0) await this.#createOsd(h.hostname);
        }
        out.push(`Scheduled osd.${spec.service_id} update...`);
      }
      return out;
    });
  }

  override create_osds(spec: DriveGroupSpec): Promise<OrchResult<string>> {
    return orchResult(async () => {
      const host = spec.placement.host_pattern ?? "";
      const hosts = await this.#simHosts();
      if (hosts === null) {
        throw new OrchestratorError(
          "the cluster is not the simulator's: it has no machines to deploy on",
          -EINVAL,
        );
      }
      if (!hosts.some((h) => h.hostname === host)) {
        throw new OrchestratorError(`Cannot find host '${host}' in the inventory`, -ENOENT);
      }
      const created: number[] = [];
      for (const path of spec.data_devices?.paths ?? []) {
        const id = await this.#createOsd(host, path);
        if (id !== null) created.push(id);
      }
      return created.length > 0
        ? `Created osd(s) ${created.join(",")} on host '${host}'`
        : `Created no osd(s) on host ${host}; already created?`;
    });
  }

  override add_host_label(hostname: string, label: string): Promise<OrchResult<string>> {
    return orchResult(async () => {
      if (!this.#servers().some((s) => s.hostname === hostname)) {
        throw new OrchestratorError(`host ${hostname} does not exist`, -2);
      }
      const labels = this.#labels();
      const list = labels[hostname] ?? [];
      if (!list.includes(label)) list.push(label);
      labels[hostname] = list;
      await this.set_store("labels", JSON.stringify(labels));
      return `Added label ${label} to host ${hostname}`;
    });
  }

  override remove_host_label(
    hostname: string,
    label: string,
    _force: boolean,
  ): Promise<OrchResult<string>> {
    return orchResult(async () => {
      const labels = this.#labels();
      const list = labels[hostname] ?? [];
      if (!list.includes(label)) {
        throw new OrchestratorError(`Host ${hostname} does not have label '${label}'`, -2);
      }
      labels[hostname] = list.filter((l) => l !== label);
      await this.set_store("labels", JSON.stringify(labels));
      return `Removed label ${label} from host ${hostname}`;
    });
  }

  #daemons(): DaemonDescription[] {
    const osdMap = this.get("osd_map") as { osds?: { osd: number; up: number }[] } | null;
    const up = new Map((osdMap?.osds ?? []).map((o) => [String(o.osd), o.up === 1]));
    const monStatus = this.get("mon_status") as { quorum_names?: string[] } | null;
    const quorum = new Set(monStatus?.quorum_names ?? []);
    const out: DaemonDescription[] = [];
    for (const s of this.#servers()) {
      for (const d of s.services) {
        const md = this.get_metadata(d.type, d.id);
        const running = d.type === "osd"
          ? up.get(d.id) === true
          : d.type === "mon"
          ? quorum.size === 0 || quorum.has(d.id)
          : true;
        out.push({
          daemon_type: d.type,
          daemon_id: d.id,
          hostname: s.hostname,
          status: running ? 1 : -1,
          status_desc: running ? "running" : "error",
          version: md?.ceph_version_short ?? null,
          started: null,
          created: null,
          last_refresh: this.now(),
          memory_usage: null,
          ports: [],
        });
      }
    }
    return out;
  }

  override list_daemons(
    service_name: string | null,
    daemon_type: string | null,
    daemon_id: string | null,
    host: string | null,
    _refresh: boolean,
  ): Promise<OrchResult<DaemonDescription[]>> {
    return orchResult(() =>
      this.#daemons().filter((d) =>
        (daemon_type === null || d.daemon_type === daemon_type) &&
        (daemon_id === null || d.daemon_id === daemon_id) &&
        (host === null || d.hostname === host) &&
        (service_name === null || d.daemon_type === service_name ||
          `${d.daemon_type}.${d.daemon_id}` === service_name)
      )
    );
  }

  override describe_service(
    service_type: string | null,
    service_name: string | null,
    _refresh: boolean,
  ): Promise<OrchResult<ServiceDescription[]>> {
    return orchResult(() => {
      const byType = new Map<string, DaemonDescription[]>();
      for (const d of this.#daemons()) {
        byType.set(d.daemon_type, [...(byType.get(d.daemon_type) ?? []), d]);
      }
      return [...byType].filter(([type]) =>
        (service_type === null || type === service_type) &&
        (service_name === null || type === service_name)
      ).map(([type, ds]) => ({
        spec: { service_type: type, placement: { count: ds.length }, unmanaged: type === "osd" },
        running: ds.filter((d) => d.status === 1).length,
        size: ds.length,
        last_refresh: this.now(),
        created: null,
        ports: [],
      }));
    });
  }

  override get_inventory(hosts: string[], _refresh: boolean): Promise<OrchResult<InventoryHost[]>> {
    return orchResult(async () => {
      const machines = await this.#simHosts() ?? [];
      const devices = (this.get("devices") as {
        devices?: {
          devid: string;
          location?: { host: string; dev: string }[];
          daemons?: string[];
        }[];
      } | null)?.devices ?? [];
      const byHost = new Map<string, Device[]>();
      for (const d of devices) {
        for (const loc of d.location ?? []) {
          const used = (d.daemons ?? []).length > 0;
          const dev: Device = {
            path: `/dev/${loc.dev}`,
            device_id: d.devid,
            human_readable_type: "hdd",
            size: this.#deviceSize(d.daemons ?? []),
            available: !used,
            rejected_reasons: used
              ? ["Insufficient space (<10 extents) on vgs", "LVM detected", "locked"]
              : [],
          };
          byHost.set(loc.host, [...(byHost.get(loc.host) ?? []), dev]);
        }
      }
      // The simulator's disks no OSD uses yet: what `--all-available-devices` takes.
      for (const m of machines) {
        const free: Device[] = m.disks.filter((d) => d.osd < 0).map((d) => ({
          path: d.path,
          device_id: "",
          human_readable_type: "hdd",
          size: d.size,
          available: true,
          rejected_reasons: [],
        }));
        if (free.length > 0 || !byHost.has(m.hostname)) {
          byHost.set(m.hostname, [...(byHost.get(m.hostname) ?? []), ...free]);
        }
      }
      const servers = new Map(this.#servers().map((s) => [s.hostname, s]));
      const addrs = new Map(machines.map((m) => [m.hostname, m.addr]));
      return [...byHost].filter(([h]) => hosts.length === 0 || hosts.includes(h)).map((
        [name, devs],
      ) => ({
        name,
        addr: servers.has(name)
          ? this.#addr(name, servers.get(name) as Server)
          : addrs.get(name) || name,
        devices: devs,
      }));
    });
  }

  #deviceSize(daemons: string[]): number {
    const osdStats = this.get("osd_stats") as { osd_stats?: { osd: number; kb: number }[] } | null;
    const ids = daemons.filter((d) => d.startsWith("osd.")).map((d) => Number(d.slice(4)));
    const kb = (osdStats?.osd_stats ?? []).find((o) => ids.includes(o.osd))?.kb ?? 0;
    return kb * 1024;
  }
}
