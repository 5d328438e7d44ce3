/**
 * The module of `tools/sigkill_loop.ts`: writes a numbered stream of store keys as fast as the
 * mon commits them, and appends each key to an acknowledgement file once its `set_store` has
 * resolved, so what it saw acknowledged outlives a SIGKILL of the daemon.
 */
import { MgrModule } from "mgr_module";

export class Writer extends MgrModule {
  override async serve(): Promise<void> {
    const ackFile = Deno.env.get("MGRD_WRITER_ACK_FILE");
    const run = Deno.env.get("MGRD_WRITER_RUN") ?? "0";
    if (!ackFile) throw new Error("MGRD_WRITER_ACK_FILE is not set");
    for (let i = 0; !this.shutting_down; i++) {
      const key = `r${run}/${String(i).padStart(6, "0")}`;
      await this.set_store(key, `value ${run}.${i}`);
      Deno.writeTextFileSync(ackFile, `${key}\n`, { append: true });
    }
  }
}
