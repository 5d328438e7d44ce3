/**
 * The `auth ...` commands, answered by the manager from its keyring, with the signatures of
 * Ceph's src/mon/MonCommands.h and the outputs and messages of src/mon/AuthMonitor.cc:
 *
 * - `auth get-or-create <entity> [<caps>...]` (rwx): prints the entity's keyring section
 *   (plain: name and key only, as Ceph; json: `[{entity, key, caps}]`);
 * - `auth get <entity>` (rx): the section with its caps; stderr `exported keyring for <entity>`;
 * - `auth get-key|print-key <entity>` (rx): the bare key;
 * - `auth ls` (rx; `auth list` deprecated): every entity, stderr `installed auth entries:`;
 * - `auth caps <entity> <caps>...` (rwx): replaces the caps; `updated caps for <entity>`;
 * - `auth rm <entity>` (rwx; `auth del` deprecated): `updated`, or `entity <entity> does not
 *   exist` (still 0, as Ceph).
 *
 * Caps come as pairs, `["mgr", "allow r", "mon", "allow r"]`. Only `mgr` caps grant anything
 * in mgrd; the others are validated by name and stored so keyrings round-trip.
 *
 * @module
 */

import type { MonCommandResult } from "../cluster_link.ts";
import { parseSignature } from "../commands/descriptor.ts";
import { Flag } from "../commands/descriptor.ts";
import type { LocalCommand } from "../commands/service.ts";
import { EINVAL, ENOENT } from "../../ceph/errno.ts";
import { capsProblem, entityNameProblem, type KeyringEntry } from "../../ceph/keyring.ts";
import { type Keyring, KeyringError } from "./keyring.ts";

type Format = "plain" | "json" | "json-pretty";

function formatOf(cmd: Record<string, unknown>): Format {
  return cmd.format === "json" || cmd.format === "json-pretty" ? cmd.format : "plain";
}

function json(value: unknown, format: Format): string {
  return format === "json-pretty" ? JSON.stringify(value, null, 4) : JSON.stringify(value);
}

function ok(outb: string, outs = ""): MonCommandResult {
  return { r: 0, outb, outs };
}

function fail(errno: number, outs: string): MonCommandResult {
  return { r: -errno, outb: "", outs };
}

/** Ceph's `KeyRing::print` of one entity, with or without its caps. */
function section(e: KeyringEntry, withCaps: boolean): string {
  let out = `[${e.entity}]\n\tkey = ${e.key}\n`;
  if (withCaps) {
    for (const service of Object.keys(e.caps).sort()) {
      out += `\tcaps ${service} = "${(e.caps[service] ?? "").replaceAll('"', '\\"')}"\n`;
    }
  }
  return out;
}

/** One element of Ceph's `KeyRing::encode_formatted` and `KeyServer::encode_secrets`. */
function entityJson(
  e: KeyringEntry,
): { entity: string; key: string; caps: Record<string, string> } {
  const caps: Record<string, string> = {};
  for (const service of Object.keys(e.caps).sort()) caps[service] = e.caps[service] ?? "";
  return { entity: e.entity, key: e.key, caps };
}

/** The entity argument, or the message Ceph gives for it (`bad entity name` when writing). */
function entityArg(
  cmd: Record<string, unknown>,
  badMessage: (name: string) => string,
): { entity: string } | { error: MonCommandResult } {
  const entity = typeof cmd.entity === "string" ? cmd.entity : "";
  const problem = entityNameProblem(entity);
  if (problem?.ceph) return { error: fail(EINVAL, badMessage(entity)) };
  return { entity };
}

/** Caps pairs (`["mgr", "allow r", ...]`) as a record, or Ceph's message for bad ones. */
function capsArg(
  cmd: Record<string, unknown>,
): { caps: Record<string, string> } | { error: MonCommandResult } {
  const raw = cmd.caps;
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  if (list.length % 2 !== 0) {
    return { error: fail(EINVAL, "bad capabilities request; odd number of arguments") };
  }
  const pairs: [string, string][] = [];
  for (let i = 0; i < list.length; i += 2) {
    const service = String(list[i]);
    const value = String(list[i + 1]);
    const problem = capsProblem(service, value);
    if (problem) return { error: fail(EINVAL, problem) };
    pairs.push([service, value]);
  }
  // fromEntries defines own properties: a service named "__proto__" could not set a prototype
  // (and is refused above anyway).
  return { caps: Object.fromEntries(pairs) };
}

function keyringFailure(e: unknown): MonCommandResult {
  if (e instanceof KeyringError) return fail(e.errno, e.message);
  throw e;
}

const ENTITY = "name=entity,type=CephString";
const CAPS_OPTIONAL = "name=caps,type=CephString,n=N,req=false";
const CAPS_REQUIRED = "name=caps,type=CephString,n=N";

/**
 * The auth commands over `keyring`, for the manager's command table.
 *
 * @example
 * ```ts
 * import { authCommands } from "./auth_commands.ts";
 * import { Keyring } from "./keyring.ts";
 * const dir = await Deno.makeTempDir();
 * const keyring = await Keyring.open(`${dir}/keyring`);
 * const ls = authCommands(keyring).find((c) => c.desc.prefix === "auth ls");
 * const admin = { entity: "client.admin", caps: "allow *" };
 * const r = await ls?.run({ prefix: "auth ls", format: "json" }, "", admin);
 * console.assert(JSON.parse(r?.outb ?? "{}").auth_dump[0].entity === "client.admin");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function authCommands(keyring: Keyring): LocalCommand[] {
  const meta = (help: string, perm: string, flags = 0) => ({ help, perm, flags, module: "auth" });

  async function getOrCreate(cmd: Record<string, unknown>): Promise<MonCommandResult> {
    const caps = capsArg(cmd);
    if ("error" in caps) return caps.error;
    const arg = entityArg(cmd, () => "bad entity name");
    if ("error" in arg) return arg.error;
    try {
      const { entry } = await keyring.getOrCreate(arg.entity, caps.caps);
      const format = formatOf(cmd);
      // Ceph prints only the key in plain text, and the caps too when formatted.
      return ok(format === "plain" ? section(entry, false) : json([entityJson(entry)], format));
    } catch (e) {
      return keyringFailure(e);
    }
  }

  function get(cmd: Record<string, unknown>): MonCommandResult {
    const arg = entityArg(cmd, (name) => `invalid entity_auth ${name}`);
    if ("error" in arg) return arg.error;
    const entry = keyring.get(arg.entity);
    if (!entry) return fail(ENOENT, `failed to find ${arg.entity} in keyring`);
    const format = formatOf(cmd);
    return ok(
      format === "plain" ? section(entry, true) : json([entityJson(entry)], format),
      `exported keyring for ${arg.entity}`,
    );
  }

  function getKey(cmd: Record<string, unknown>): MonCommandResult {
    const arg = entityArg(cmd, (name) => `invalid entity_auth ${name}`);
    if ("error" in arg) return arg.error;
    const entry = keyring.get(arg.entity);
    if (!entry) return fail(ENOENT, `don't have ${arg.entity}`);
    const format = formatOf(cmd);
    return ok(format === "plain" ? entry.key : json({ key: entry.key }, format));
  }

  function ls(cmd: Record<string, unknown>): MonCommandResult {
    const entries = keyring.list();
    const format = formatOf(cmd);
    if (format !== "plain") {
      return ok(json(entries.length === 0 ? {} : { auth_dump: entries.map(entityJson) }, format));
    }
    let out = "";
    for (const e of entries) {
      out += `${e.entity}\n\tkey: ${e.key}\n`;
      for (const service of Object.keys(e.caps).sort()) {
        out += `\tcaps: [${service}] ${e.caps[service]}\n`;
      }
    }
    return ok(out, out === "" ? "no installed auth entries!\n" : "installed auth entries:\n");
  }

  async function caps(cmd: Record<string, unknown>): Promise<MonCommandResult> {
    const pairs = Array.isArray(cmd.caps) ? cmd.caps : cmd.caps === undefined ? [] : [cmd.caps];
    if (pairs.length % 2 !== 0) {
      return fail(EINVAL, "bad capabilities request; odd number of arguments");
    }
    const arg = entityArg(cmd, () => "bad entity name");
    if ("error" in arg) return arg.error;
    // Ceph looks the entity up before it checks the caps.
    if (!keyring.get(arg.entity)) return fail(ENOENT, `couldn't find entry ${arg.entity}`);
    const parsed = capsArg(cmd);
    if ("error" in parsed) return parsed.error;
    try {
      await keyring.setCaps(arg.entity, parsed.caps);
      return ok("", `updated caps for ${arg.entity}`);
    } catch (e) {
      return keyringFailure(e);
    }
  }

  async function rm(cmd: Record<string, unknown>): Promise<MonCommandResult> {
    const arg = entityArg(cmd, () => "bad entity name");
    if ("error" in arg) return arg.error;
    const removed = await keyring.remove(arg.entity);
    return ok("", removed ? "updated" : `entity ${arg.entity} does not exist`);
  }

  const keyHelp = "display requested key";
  const lsHelp = "list authentication state";
  return [
    {
      desc: parseSignature(
        `auth get-or-create ${ENTITY} ${CAPS_OPTIONAL}`,
        meta(
          "add auth info for <entity> from input file, or random key if no input given, " +
            "and/or any caps specified in the command",
          "rwx",
        ),
      ),
      run: getOrCreate,
    },
    {
      desc: parseSignature(
        `auth get ${ENTITY}`,
        meta("write keyring file with requested key", "rx"),
      ),
      run: get,
    },
    { desc: parseSignature(`auth get-key ${ENTITY}`, meta(keyHelp, "rx")), run: getKey },
    { desc: parseSignature(`auth print-key ${ENTITY}`, meta(keyHelp, "rx")), run: getKey },
    { desc: parseSignature("auth ls", meta(lsHelp, "rx")), run: ls },
    { desc: parseSignature("auth list", meta(lsHelp, "rx", Flag.DEPRECATED)), run: ls },
    {
      desc: parseSignature(
        `auth caps ${ENTITY} ${CAPS_REQUIRED}`,
        meta("update caps for <name> from caps specified in the command", "rwx"),
      ),
      run: caps,
    },
    {
      desc: parseSignature(`auth rm ${ENTITY}`, meta("remove all caps for <name>", "rwx")),
      run: rm,
    },
    {
      desc: parseSignature(
        `auth del ${ENTITY}`,
        meta("delete all caps for <name>", "rwx", Flag.DEPRECATED),
      ),
      run: rm,
    },
  ];
}
