import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { startTestCluster, type TestCluster } from "mgr_module/testing";
import { BUILTIN_MODULES } from "../modules/mod.ts";
import { formatdate } from "../modules/alerts/module.ts";
import { referenceText } from "./_reference.ts";

/** How the throwaway server answers. */
type Mode = "plain" | "login" | "cram" | "noauth" | "fail535" | "greet554";

/** A recording SMTP server on 127.0.0.1, answering like tests/ceph-reference/alerts/'s. */
class RecordingSmtp {
  readonly listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  readonly sessions: { lines: string[]; message: string }[] = [];
  mode: Mode = "plain";
  readonly #serving: Promise<void>;
  readonly #conns = new Set<Deno.Conn>();

  constructor() {
    this.#serving = this.#accept();
  }

  get port(): number {
    return (this.listener.addr as Deno.NetAddr).port;
  }

  async #accept(): Promise<void> {
    try {
      for await (const conn of this.listener) void this.#session(conn);
    } catch {
      // closed
    }
  }

  async #session(conn: Deno.Conn): Promise<void> {
    this.#conns.add(conn);
    const session = { lines: [] as string[], message: "" };
    this.sessions.push(session);
    const enc = new TextEncoder(), dec = new TextDecoder();
    const send = (s: string) => conn.write(enc.encode(s + "\r\n"));
    let buf = "";
    const lines = async function* () {
      const chunk = new Uint8Array(4096);
      for (;;) {
        let nl;
        while ((nl = buf.indexOf("\r\n")) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 2);
          yield line;
        }
        const n = await conn.read(chunk);
        if (n === null) return;
        buf += dec.decode(chunk.subarray(0, n));
      }
    };
    const mode = this.mode;
    try {
      if (mode === "greet554") {
        await send("554 5.3.2 not today");
        return;
      }
      await send("220 test.example ESMTP ready");
      let data: string[] | null = null;
      const it = lines();
      for await (const line of it) {
        if (data) {
          if (line === ".") {
            session.message = data.join("\n");
            data = null;
            await send("250 2.0.0 Ok: queued as 1");
          } else data.push(line);
          continue;
        }
        session.lines.push(line);
        const u = line.toUpperCase();
        if (u.startsWith("EHLO")) {
          const auth =
            { plain: "AUTH PLAIN LOGIN", login: "AUTH LOGIN", cram: "AUTH CRAM-MD5 PLAIN" }[
              mode as string
            ] ?? (mode === "fail535" ? "AUTH PLAIN LOGIN" : "");
          await send("250-test.example");
          await send(auth ? "250-SIZE 10240000" : "250 SIZE 10240000");
          if (auth) await send(`250 ${auth}`);
        } else if (u === "AUTH CRAM-MD5") {
          await send("334 " + btoa("<1896.697170952@test.example>"));
          const next = await it.next();
          session.lines.push(String(next.value));
          await send("235 2.7.0 Authentication successful");
        } else if (u.startsWith("AUTH LOGIN")) {
          await send("334 UGFzc3dvcmQ6");
          const next = await it.next();
          session.lines.push(String(next.value));
          await send(
            mode === "fail535"
              ? "535 5.7.8 Error: authentication failed: UGFzc3dvcmQ6"
              : "235 2.7.0 Authentication successful",
          );
        } else if (u.startsWith("AUTH PLAIN")) {
          await send(
            mode === "fail535"
              ? "535 5.7.8 Error: authentication failed: bad"
              : "235 2.7.0 Authentication successful",
          );
        } else if (u.startsWith("MAIL")) await send("250 2.1.0 Ok");
        else if (u.startsWith("RCPT")) await send("250 2.1.5 Ok");
        else if (u === "DATA") {
          await send("354 End data with <CR><LF>.<CR><LF>");
          data = [];
        } else if (u === "QUIT") {
          await send("221 2.0.0 Bye");
          break;
        } else await send("502 5.5.2 Error: command not recognized");
      }
    } catch {
      // the client went away
    } finally {
      this.#conns.delete(conn);
      try {
        conn.close();
      } catch {
        // closed
      }
    }
  }

  #closed = false;

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.listener.close();
    for (const c of this.#conns) c.close();
    await this.#serving;
  }
}

const CLUSTER = { hosts: 3, osdsPerHost: 1, pools: [{ name: "rbd", pgNum: 8, size: 3 }] };

async function withAlerts(
  run: (c: TestCluster, smtp: RecordingSmtp) => Promise<void>,
): Promise<void> {
  const smtp = new RecordingSmtp();
  const c = await startTestCluster({
    builtins: BUILTIN_MODULES,
    initialModules: ["alerts"],
    cluster: CLUSTER,
  });
  try {
    const set = async (name: string, value: string) => {
      const r = await c.command({ prefix: "config set", who: "mgr", name, value });
      assert.equal(r.r, 0, r.outs);
    };
    await set("mgr/alerts/smtp_host", "127.0.0.1");
    await set("mgr/alerts/smtp_port", String(smtp.port));
    await set("mgr/alerts/smtp_ssl", "false");
    await set("mgr/alerts/smtp_user", "alice");
    await set("mgr/alerts/smtp_password", "s3cret");
    await set("mgr/alerts/smtp_destination", "ops@example.com");
    await set("mgr/alerts/smtp_sender", "ceph@example.com");
    await set("mgr/alerts/interval", "10");
    await c.run(30);
    await run(c, smtp);
  } finally {
    await c.stop();
    await smtp.close();
  }
}

/** Moves virtual time and gives the real sockets real time, until `done()` or a bound. */
async function until(c: TestCluster, done: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !done(); i++) {
    await c.run(1);
    await new Promise((r) => setTimeout(r, 5));
  }
  assert(done(), "the condition did not come true");
}

/** Runs a command and lets real I/O finish. */
async function command(c: TestCluster, cmd: Record<string, unknown>) {
  let finished = false;
  const answer = c.manager.command(cmd).finally(() => finished = true);
  await until(c, () => finished);
  return await answer;
}

function sections(message: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let current = "";
  for (const line of message.split("\n")) {
    const m = /^(?:--- (.*) ---|=== (.*) ===)$/.exec(line);
    if (m) current = m[1] ?? m[2]!;
    else if (current && line.startsWith("[")) (out[current] ??= []).push(line);
  }
  return out;
}

Deno.test("alerts mails a new check when an OSD goes down and its clearing when it is back", () =>
  withAlerts(async (c, smtp) => {
    const before = smtp.sessions.length;
    c.cluster!.osdDown(0);
    await until(c, () => smtp.sessions.slice(before).some((s) => s.message.includes("OSD_DOWN")));
    const down = smtp.sessions.slice(before).find((s) => s.message.includes("OSD_DOWN"))!;
    const lines = down.message.split("\n");
    assert.deepEqual(lines[0], "From: Ceph <ceph@example.com>");
    assert.deepEqual(lines[1], "Subject: HEALTH_WARN");
    assert.deepEqual(lines[2], "To: ops@example.com");
    assert.match(lines[3]!, /^Message-Id: <\d+\.\d+\.\d+@[^>]+>$/);
    assert.match(lines[4]!, /^Date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d -0000$/);
    assert.deepEqual(lines.slice(5, 7), ["", "HEALTH_WARN"]);
    const s = sections(down.message);
    assert.ok(s.New?.includes("[WARN] OSD_DOWN: 1 osds down"), down.message);
    assert.ok(s["Full health status"]?.includes("[WARN] OSD_DOWN: 1 osds down"));
    assert.ok(down.message.includes("\n        osd.0 (root=default,host="), down.message);

    const mid = smtp.sessions.length;
    c.cluster!.osdUp(0);
    await until(c, () => smtp.sessions.slice(mid).some((x) => sections(x.message).Cleared));
    const up = smtp.sessions.slice(mid).find((x) =>
      sections(x.message).Cleared?.includes("[WARN] OSD_DOWN: 1 osds down")
    );
    assert.ok(up, smtp.sessions.slice(mid).map((x) => x.message).join("\n----\n"));
    assert.equal(c.manager.health().checks.ALERTS_SMTP_ERROR, undefined);
  }));

Deno.test("alerts speaks smtplib's dialogue: ehlo, AUTH PLAIN, mail/rcpt/data with size, quit", () =>
  withAlerts(async (c, smtp) => {
    const before = smtp.sessions.length;
    const r = await command(c, { prefix: "alerts send" });
    assert.deepEqual([r.r, r.outb, r.outs], [0, "", ""]);
    const s = smtp.sessions[before]!;
    const size = new TextEncoder().encode(s.message.split("\n").join("\r\n") + "\r\n").length;
    assert.match(s.lines[0]!, /^ehlo (\[127\.0\.0\.1\]|\S+\.\S+)$/);
    assert.deepEqual(s.lines.slice(1), [
      `AUTH PLAIN ${btoa("\0alice\0s3cret")}`,
      `mail FROM:<ceph@example.com> size=${size}`,
      "rcpt TO:<ops@example.com>",
      "data",
      "quit",
    ]);
    // `alerts send` mails the status with no diff: no New/Updated/Cleared, the full status.
    assert.match(s.message, /\n\nHEALTH_(OK|WARN|ERR)\n\n\n=== Full health status ===$/);
  }));

Deno.test("alerts logs in with AUTH LOGIN and CRAM-MD5 as smtplib does", async (t) => {
  await t.step("LOGIN", () =>
    withAlerts(async (c, smtp) => {
      smtp.mode = "login";
      const before = smtp.sessions.length;
      await command(c, { prefix: "alerts send" });
      assert.deepEqual(smtp.sessions[before]!.lines.slice(1, 3), [
        `AUTH LOGIN ${btoa("alice")}`,
        btoa("s3cret"),
      ]);
    }));
  await t.step("CRAM-MD5 first when offered", () =>
    withAlerts(async (c, smtp) => {
      smtp.mode = "cram";
      const before = smtp.sessions.length;
      await command(c, { prefix: "alerts send" });
      const digest = createHmac("md5", "s3cret").update("<1896.697170952@test.example>")
        .digest("hex");
      assert.deepEqual(smtp.sessions[before]!.lines.slice(1, 3), [
        "AUTH CRAM-MD5",
        btoa(`alice ${digest}`),
      ]);
      assert.equal(c.manager.health().checks.ALERTS_SMTP_ERROR, undefined);
    }));
});

Deno.test("a failed send raises ALERTS_SMTP_ERROR with smtplib's text; the module keeps running", () =>
  withAlerts(async (c, smtp) => {
    const check = () => c.manager.health().checks.ALERTS_SMTP_ERROR;
    smtp.mode = "fail535";
    await command(c, { prefix: "alerts send" });
    await c.run(1);
    assert.deepEqual(check()?.summary, { message: "unable to send alert email", count: 1 });
    assert.deepEqual(check()?.severity, "HEALTH_WARN");
    // PLAIN then LOGIN were tried; the last failure is the one reported.
    assert.deepEqual(check()?.detail, [
      { message: "(535, b'5.7.8 Error: authentication failed: UGFzc3dvcmQ6')" },
    ]);

    smtp.mode = "noauth";
    await command(c, { prefix: "alerts send" });
    await c.run(1);
    assert.deepEqual(check()?.detail, [
      { message: "SMTP AUTH extension not supported by server." },
    ]);

    smtp.mode = "greet554";
    await command(c, { prefix: "alerts send" });
    await c.run(1);
    assert.deepEqual(check()?.detail, [{ message: "(554, b'5.3.2 not today')" }]);

    // The server goes away: the mon's text for a refused connection, as Python prints it.
    await smtp.close();
    await command(c, { prefix: "alerts send" });
    await c.run(1);
    assert.deepEqual(check()?.detail, [{ message: "[Errno 111] Connection refused" }]);
    assert.equal(c.manager.health().checks.MGR_MODULE_ERROR, undefined);

    // A server back on the port: the next send clears the check.
    const again = new RecordingSmtp();
    await command(c, {
      prefix: "config set",
      who: "mgr",
      name: "mgr/alerts/smtp_port",
      value: String(again.port),
    });
    await c.run(1);
    try {
      await command(c, { prefix: "alerts send" });
      await c.run(1);
      assert.equal(check(), undefined);
      assert.equal(again.sessions.length >= 1, true);
    } finally {
      await again.close();
    }
  }));

Deno.test("formatdate() prints RFC 2822 dates as Python's email.utils does", () => {
  assert.equal(formatdate(1796315503.79), "Thu, 03 Dec 2026 16:31:43 -0000");
  assert.equal(formatdate(0), "Thu, 01 Jan 1970 00:00:00 -0000");
});

Deno.test("smtp_ssl connects with TLS first: a plain-text server fails the handshake and raises the check", () =>
  withAlerts(async (c, smtp) => {
    await command(c, {
      prefix: "config set",
      who: "mgr",
      name: "mgr/alerts/smtp_ssl",
      value: "true",
    });
    await c.run(1);
    const before = smtp.sessions.length;
    const r = await command(c, { prefix: "alerts send" });
    assert.equal(r.r, 0);
    await c.run(1);
    const check = c.manager.health().checks.ALERTS_SMTP_ERROR;
    assert.equal(check?.summary.message, "unable to send alert email");
    assert.equal(check?.detail.length, 1);
    assert.notEqual(check?.detail[0]?.message, "");
    // The server saw a connection but no SMTP command: the client spoke TLS, not ehlo.
    assert.ok(smtp.sessions.length > before);
    assert.deepEqual(smtp.sessions[before]!.lines.filter((l) => /^ehlo /i.test(l)), []);
    assert.equal(c.manager.health().checks.MGR_MODULE_ERROR, undefined);
  }));

Deno.test("the dialogue and mail layout match the real 16.2.15 module's (tests/ceph-reference/alerts)", async (t) => {
  const commands = (text: string) =>
    text.split("\n").filter((l) => l.startsWith("C: ")).map((l) => l.slice(3).replace(/\r$/, ""));
  /** The client's commands up to DATA, with the sizes and base64 of the capture's run. */
  const shape = (lines: string[]) =>
    lines.slice(0, lines.indexOf("data") + 1).map((l) => l.replace(/size=\d+/, "size=N"));
  for (
    const [mode, file] of [["plain", "smtp_session_1_plain.txt"], [
      "login",
      "smtp_session_4_login.txt",
    ]] as const
  ) {
    await t.step(mode, () =>
      withAlerts(async (c, smtp) => {
        smtp.mode = mode;
        const real = commands(referenceText(`alerts/${file}`));
        const before = smtp.sessions.length;
        await command(c, { prefix: "alerts send" });
        const ours = smtp.sessions[before]!;
        assert.deepEqual(shape(ours.lines), shape(real));
        // The headers in the same order, then the status line after a blank line.
        const realMail = real.slice(real.indexOf("data") + 1);
        const head = (m: string[]) =>
          m.slice(0, 7).map((l) => l.replace(/: .*/, ":").replace(/^HEALTH_\w+$/, "HEALTH_"));
        assert.deepEqual(head(ours.message.split("\n")), head(realMail));
        assert.deepEqual(ours.lines.at(-1), real.at(-1));
      }));
  }
});
