/**
 * The JSON of a PGMap command as DaemonServer prints it: wrapped in `{"pg_ready": ..., ...}`.
 *
 * @module
 */
import { formatJson } from "../../../ceph/format.ts";
import type { JsonFormat } from "./reply.ts";
import type { Obj, StateReader } from "./state_reader.ts";

/** The JSON of a PGMap command: DaemonServer wraps it in `{"pg_ready": ..., ...}`. */
export function pgJson(v: StateReader, f: JsonFormat, body: Obj): string {
  return formatJson({ pg_ready: v.pgReady, ...body }, f);
}

/**
 * The JSON of a PGMap command that flushes the formatter itself before DaemonServer closes its
 * `pg_ready` wrapper (`pg stat`, `osd perf`, `pg dump_stuck`): a newline before the last brace.
 */
export function pgJsonFlushed(v: StateReader, f: JsonFormat, body: Obj): string {
  const text = pgJson(v, f, body);
  const end = text.lastIndexOf("}");
  return text.slice(0, end) + "\n" + text.slice(end);
}
