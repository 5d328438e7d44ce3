/**
 * The built-in modules, compiled into the binary: name → the exports of its module.ts.
 *
 * @module
 */
import * as alerts from "./alerts/module.ts";
import * as balancer from "./balancer/module.ts";
import * as crash from "./crash/module.ts";
import * as devicehealth from "./devicehealth/module.ts";
import * as hello from "./hello/module.ts";
import * as influx from "./influx/module.ts";
import * as insights from "./insights/module.ts";
import * as iostat from "./iostat/module.ts";
import * as localpool from "./localpool/module.ts";
import * as orchestrator from "./orchestrator/module.ts";
import * as pg_autoscaler from "./pg_autoscaler/module.ts";
import * as progress from "./progress/module.ts";
import * as prometheus from "./prometheus/module.ts";
import * as rbd_support from "./rbd_support/module.ts";
import * as selftest from "./selftest/module.ts";
import * as sim_orchestrator from "./sim_orchestrator/module.ts";
import * as status from "./status/module.ts";
import * as telegraf from "./telegraf/module.ts";
import * as telemetry from "./telemetry/module.ts";
import * as volumes from "./volumes/module.ts";
import * as zabbix from "./zabbix/module.ts";

/** Every built-in module by name. */
export const BUILTIN_MODULES: Readonly<Record<string, Record<string, unknown>>> = {
  alerts,
  balancer,
  crash,
  devicehealth,
  hello,
  influx,
  insights,
  iostat,
  localpool,
  orchestrator,
  pg_autoscaler,
  progress,
  prometheus,
  rbd_support,
  selftest,
  sim_orchestrator,
  status,
  telegraf,
  telemetry,
  volumes,
  zabbix,
};

/** Built-in modules that always run (the MgrMap's always-on set for this release). */
export const ALWAYS_ON_MODULES: readonly string[] = [
  "balancer",
  "crash",
  "devicehealth",
  "orchestrator",
  "pg_autoscaler",
  "progress",
  "rbd_support",
  "status",
  "telemetry",
  "volumes",
];
