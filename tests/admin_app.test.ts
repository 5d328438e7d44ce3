import assert from "node:assert/strict";
import fc from "fast-check";
import { type AdminAppOptions, createAdminApp, type StandbyAnswer } from "../core/admin/app.ts";
import { capsAllow } from "../ceph/mgr_cap.ts";
import { Keyring } from "../core/admin/keyring.ts";
import type { MonCommandResult } from "../core/cluster_link.ts";
import { describeCommands } from "../core/commands/descriptions.ts";
import { parseSignature } from "../core/commands/descriptor.ts";
import type { Caller, CommandService } from "../core/commands/service.ts";
import { EACCES, EINVAL } from "../ceph/errno.ts";
import type { HealthReport } from "../core/health.ts";
import { DaemonLog } from "../core/logging.ts";

const HEALTH: HealthReport = {
  status: "HEALTH_WARN",
  checks: {
    FAKE_CHECK: {
      severity: "HEALTH_WARN",
      summary: { message: "a fake check", count: 1 },
      detail: [],
      muted: false,
    },
  },
  mutes: [],
};

/**
 * A stand-in for the manager: a read command and a write command, checked with capsAllow as
 * the manager does, which echo what they were given; `fake crash` rejects.
 */
class FakeService implements CommandService {
  readonly calls: { cmd: Record<string, unknown>; inbuf: string; caller: Caller }[] = [];
  readonly #descs = [
    parseSignature("fake get name=key,type=CephString,req=false", { help: "read", perm: "r" }),
    parseSignature("fake set name=key,type=CephString name=value,type=CephString", {
      help: "write",
      perm: "rw",
    }),
    parseSignature("fake crash", { help: "rejects", perm: "r" }),
  ];

  descriptors() {
    return this.#descs;
  }

  run(cmd: Record<string, unknown>, inbuf: string, caller: Caller): Promise<MonCommandResult> {
    this.calls.push({ cmd, inbuf, caller });
    const desc = this.#descs.find((d) => d.prefix === cmd.prefix);
    if (!desc) {
      return Promise.resolve({
        r: -EINVAL,
        outb: "",
        outs: `unrecognized command '${cmd.prefix}'`,
      });
    }
    if (!capsAllow(caller.caps, desc.perm)) {
      return Promise.resolve({ r: -EACCES, outb: "", outs: "access denied" });
    }
    if (desc.prefix === "fake crash") return Promise.reject(new Error("boom"));
    return Promise.resolve({ r: 0, outb: JSON.stringify({ cmd, inbuf }), outs: caller.entity });
  }

  health() {
    return HEALTH;
  }
}

interface Fixture {
  app: ReturnType<typeof createAdminApp>;
  service: FakeService;
  keyring: Keyring;
  log: DaemonLog;
  admin: string;
  ro: string;
  none: string;
  /** `token` defaults to the admin's; null sends no Authorization header. */
  post(
    body: BodyInit | null,
    token?: string | null,
    headers?: Record<string, string>,
  ): Promise<Response>;
  get(path: string, token?: string | null): Promise<Response>;
}

async function withApp(
  fn: (f: Fixture) => Promise<void>,
  maxBodyBytes?: number,
  standby?: AdminAppOptions["standby"],
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mgrd-admin-" });
  const log = new DaemonLog({ daemonName: "mgr.x", id: "x", memoryLines: 100 });
  try {
    const keyring = await Keyring.open(`${dir}/keyring`);
    const ro = (await keyring.getOrCreate("client.ro", { mgr: "allow r" })).entry.key;
    const none = (await keyring.getOrCreate("client.none", { mon: "allow r" })).entry.key;
    const admin = keyring.get("client.admin")!.key;
    const service = new FakeService();
    const app = createAdminApp({
      service,
      keyring,
      log: log.daemonLogger(),
      maxBodyBytes,
      standby,
    });
    const auth = (token: string | null): Record<string, string> =>
      token === null ? {} : { authorization: `Bearer ${token}` };
    await fn({
      app,
      service,
      keyring,
      log,
      admin,
      ro,
      none,
      post: async (body, token = admin, headers = {}) =>
        await app.request("/api/v1/command", {
          method: "POST",
          headers: { ...auth(token), ...headers },
          body,
        }),
      get: async (path, token = admin) => await app.request(path, { headers: auth(token) }),
    });
  } finally {
    log.close();
    await Deno.remove(dir, { recursive: true });
  }
}

async function errorOf(res: Response): Promise<string> {
  const body = await res.json();
  assert.equal(typeof body.error, "string");
  return body.error;
}

Deno.test("admin app: the auth matrix", async (t) => {
  await withApp(async ({ post, get, admin, ro, none, service }) => {
    const read = JSON.stringify({ prefix: "fake get", key: "k" });
    const write = JSON.stringify({ prefix: "fake set", key: "k", value: "v" });

    await t.step("no token: 401 on every endpoint, nothing run", async () => {
      for (const res of [await post(read, null), await get("/api/v1/health", null)]) {
        assert.equal(res.status, 401);
        assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
        assert.match(await errorOf(res), /missing bearer token/);
      }
      const basic = await post(read, null, { authorization: "Basic YWRtaW46eA==" });
      assert.equal(basic.status, 401);
      await basic.body?.cancel();
      assert.equal(service.calls.length, 0);
    });

    await t.step("bad token: 401, and the token is not echoed", async () => {
      const bad = "not-a-real-token-4242";
      const res = await post(read, bad);
      assert.equal(res.status, 401);
      const text = await res.text();
      assert.ok(!text.includes(bad));
      assert.match(text, /invalid token/);
      assert.equal((await get("/api/v1/commands", admin.slice(0, -2))).status, 401);
      assert.equal(service.calls.length, 0);
    });

    await t.step("read-only entity: r command 0, rw command -EACCES", async () => {
      const r = await post(read, ro);
      assert.equal(r.status, 200);
      const ok = await r.json();
      assert.equal(ok.retval, 0);
      assert.equal(ok.stderr, "client.ro");
      const w = await post(write, ro);
      assert.equal(w.status, 200);
      assert.deepEqual(await w.json(), { retval: -EACCES, stdout: "", stderr: "access denied" });
      assert.deepEqual(service.calls.at(-1)?.caller, { entity: "client.ro", caps: "allow r" });
    });

    await t.step("entity without mgr caps: nothing granted", async () => {
      assert.equal((await (await post(read, none)).json()).retval, -EACCES);
      assert.equal((await get("/api/v1/health", none)).status, 403);
      assert.equal((await get("/api/v1/commands", none)).status, 200);
    });

    await t.step("admin: both run; the bearer scheme is case-insensitive", async () => {
      assert.equal((await (await post(read, admin)).json()).retval, 0);
      assert.equal((await (await post(write, admin)).json()).retval, 0);
      const lower = await post(read, null, { authorization: `bearer ${admin}` });
      assert.equal((await lower.json()).retval, 0);
      assert.deepEqual(service.calls.at(-1)?.caller, { entity: "client.admin", caps: "allow *" });
    });
  });
});

Deno.test("admin app: POST /api/v1/command passes the command and inbuf through", async () => {
  await withApp(async ({ post, service }) => {
    const res = await post(
      JSON.stringify({ prefix: "fake set", key: "k", value: "v", format: "json", inbuf: "DATA" }),
      undefined,
      { "content-type": "application/json; charset=utf-8" },
    );
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
    const body = await res.json();
    assert.deepEqual(Object.keys(body), ["retval", "stdout", "stderr"]);
    assert.deepEqual(JSON.parse(body.stdout), {
      cmd: { prefix: "fake set", key: "k", value: "v", format: "json" },
      inbuf: "DATA",
    });
    assert.equal(service.calls.at(-1)?.inbuf, "DATA");
    assert.ok(!("inbuf" in (service.calls.at(-1)?.cmd ?? {})));
    const unknown = await (await post(JSON.stringify({ prefix: "nope" }))).json();
    assert.deepEqual(unknown, {
      retval: -EINVAL,
      stdout: "",
      stderr: "unrecognized command 'nope'",
    });
  });
});

Deno.test("admin app: malformed bodies get a 400 saying what is wrong", async () => {
  await withApp(async ({ post, service }) => {
    const cases: [BodyInit, RegExp][] = [
      ["{", /^malformed JSON: /],
      ["{'prefix': 'x'}", /^malformed JSON: /],
      ["", /body is empty/],
      ["[1,2]", /must be a JSON object, got an array/],
      ['"health"', /must be a JSON object, got string/],
      ["42", /must be a JSON object, got number/],
      ["null", /must be a JSON object, got null/],
      ["{}", /has no "prefix"/],
      ['{"prefix": 3}', /"prefix" must be a string, got number/],
      ['{"prefix": null}', /"prefix" must be a string, got null/],
      ['{"prefix": "fake get", "inbuf": 3}', /"inbuf" must be a string, got number/],
      ['{"prefix": "fake get", "inbuf": ["a"]}', /"inbuf" must be a string, got an array/],
      [new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), /not valid UTF-8/],
      ["[".repeat(100_000), /nests deeper than 64 levels/],
    ];
    for (const [body, re] of cases) {
      const res = await post(body);
      assert.equal(res.status, 400, String(body).slice(0, 40));
      assert.match(await errorOf(res), re);
    }
    assert.equal(service.calls.length, 0);
  });
});

Deno.test("admin app: a body declared as something other than JSON is a 415", async () => {
  await withApp(async ({ post, service }) => {
    const body = JSON.stringify({ prefix: "fake get" });
    const res = await post(body, undefined, {
      "content-type": "application/x-www-form-urlencoded",
    });
    assert.equal(res.status, 415);
    assert.match(await errorOf(res), /application\/json/);
    const multipart = await post(body, undefined, { "content-type": "multipart/form-data" });
    assert.equal(multipart.status, 415);
    await multipart.body?.cancel();
    for (
      const ct of ["application/vnd.mgrd+json", "text/plain;charset=UTF-8", "application/json"]
    ) {
      const ok = await post(body, undefined, { "content-type": ct });
      assert.equal(ok.status, 200, ct);
      await ok.body?.cancel();
    }
    assert.equal(service.calls.length, 3);
  });
});

Deno.test("admin app: bodies over the limit are a 413, with or without Content-Length", async (t) => {
  const limit = 1024;
  await withApp(async ({ app, admin, post, service }) => {
    const big = JSON.stringify({ prefix: "fake get", key: "x".repeat(limit) });

    await t.step("with Content-Length", async () => {
      const res = await post(big, undefined, { "content-length": String(big.length) });
      assert.equal(res.status, 413);
      assert.match(await errorOf(res), /larger than 1024 bytes/);
    });

    await t.step("streamed, no Content-Length", async () => {
      let pulled = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          pulled++;
          controller.enqueue(new TextEncoder().encode("x".repeat(300)));
          if (pulled > 1000) controller.close();
        },
      });
      const res = await app.request("/api/v1/command", {
        method: "POST",
        headers: { authorization: `Bearer ${admin}` },
        body: stream,
      });
      assert.equal(res.status, 413);
      await res.body?.cancel();
      // The stream was abandoned as soon as it passed the limit, not read to its end.
      assert.ok(pulled < 10, `pulled ${pulled} chunks`);
    });

    await t.step("a Content-Length that understates the body", async () => {
      const res = await post(big, undefined, { "content-length": "10" });
      assert.equal(res.status, 413);
      await res.body?.cancel();
    });

    await t.step("exactly at the limit is accepted", async () => {
      const prefix = JSON.stringify({ prefix: "fake get", key: "" });
      const exact = JSON.stringify({ prefix: "fake get", key: "y".repeat(limit - prefix.length) });
      assert.equal(exact.length, limit);
      const res = await post(exact);
      assert.equal(res.status, 200);
      await res.body?.cancel();
    });
    assert.equal(service.calls.length, 1);
  }, limit);
});

Deno.test("admin app: one audit line per command, with entity and command, never the token", async () => {
  await withApp(async ({ post, log, ro }) => {
    // The caller quotes its own token as an argument and in inbuf: neither reaches the log.
    await post(JSON.stringify({ prefix: "fake get", key: ro, inbuf: `secret ${ro}` }), ro);
    await post(JSON.stringify({ prefix: "fake set", key: "k", value: "v" }), ro);
    await post("{", ro);
    await post(JSON.stringify({ prefix: "fake get" }), "wrong-token");
    const audit = log.recent.filter((l) => l.includes(" audit "));
    assert.equal(audit.length, 2);
    assert.match(
      audit[0]!,
      /mgr\.x INFO audit from='client\.ro' cmd=\{"prefix":"fake get","key":"<redacted>"\}: dispatch r=0$/,
    );
    assert.match(
      audit[1]!,
      /audit from='client\.ro' cmd=\{"prefix":"fake set","key":"k","value":"v"\}: dispatch r=-13$/,
    );
    for (const line of log.recent) {
      assert.ok(!line.includes(ro), "the caller's token is in the log");
      assert.ok(!line.includes("secret"), "inbuf is in the log");
      assert.ok(!line.includes("wrong-token"), "a rejected token is in the log");
    }
  });
});

Deno.test("admin app: a service that rejects gives retval -EINVAL, logged, no 500", async () => {
  await withApp(async ({ post, log }) => {
    const res = await post(JSON.stringify({ prefix: "fake crash" }));
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      retval: -EINVAL,
      stdout: "",
      stderr: "command failed: boom",
    });
    assert.ok(log.recent.some((l) => l.includes("ERROR") && l.includes("boom")));
  });
});

Deno.test("admin app: GET endpoints answer descriptions, health and status", async () => {
  await withApp(async ({ get, service, ro }) => {
    const commands = await get("/api/v1/commands", ro);
    assert.equal(commands.status, 200);
    assert.deepEqual(await commands.json(), describeCommands(service.descriptors()));
    assert.deepEqual(await (await get("/api/v1/health", ro)).json(), HEALTH);
    assert.deepEqual(await (await get("/api/v1/status", ro)).json(), { health: HEALTH });
    const wrong = await get("/api/v1/command");
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get("allow"), "POST");
    await wrong.body?.cancel();
    const missing = await get("/api/v2/nothing");
    assert.equal(missing.status, 404);
    assert.match(await errorOf(missing), /no such endpoint/);
  });
});

Deno.test("createAdminApp() refuses a bad maxBodyBytes", async () => {
  await assert.rejects(
    () => withApp(() => Promise.resolve(), 0),
    /maxBodyBytes must be a positive integer, got 0/,
  );
});

Deno.test("admin app: random bodies to /api/v1/command never give a 5xx nor throw", async () => {
  const seed = Number(Deno.env.get("FC_SEED") ?? Date.now() % 2 ** 31);
  console.log(`fast-check seed ${seed} (replay: FC_SEED=${seed} deno task test)`);
  await withApp(async ({ post, admin, ro }) => {
    const prefix = fc.constantFrom("fake get", "fake set", "fake crash", "nope", "");
    const command = fc.record(
      {
        prefix: fc.oneof(prefix, fc.jsonValue()),
        key: fc.jsonValue(),
        value: fc.jsonValue(),
        format: fc.constantFrom("json", "plain", 3),
        inbuf: fc.oneof(fc.string(), fc.jsonValue()),
      },
      { requiredKeys: [] },
    ).map((o) => JSON.stringify(o));
    const body = fc.oneof(
      command,
      fc.json(),
      fc.string(),
      fc.uint8Array({ maxLength: 200 }),
      fc.jsonValue().map((v) => JSON.stringify(v).slice(0, -1)),
    );
    const contentType = fc.constantFrom(undefined, "application/json", "text/csv", "");
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.constantFrom(admin, ro, null, "junk"),
        contentType,
        async (b, token, ct) => {
          const res = await post(b, token, ct === undefined ? {} : { "content-type": ct });
          assert.ok(res.status < 500, `status ${res.status}`);
          const json = await res.json();
          assert.equal(typeof json, "object");
        },
      ),
      { seed, numRuns: 300 },
    );
  });
});

Deno.test("admin app: served on a real socket", async () => {
  await withApp(async ({ app, admin }) => {
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      app.fetch,
    );
    try {
      const base = `http://127.0.0.1:${server.addr.port}`;
      const res = await fetch(`${base}/api/v1/command`, {
        method: "POST",
        headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
        body: JSON.stringify({ prefix: "fake get", key: "k" }),
      });
      assert.equal(res.status, 200);
      assert.equal((await res.json()).retval, 0);
      const denied = await fetch(`${base}/api/v1/health`);
      assert.equal(denied.status, 401);
      await denied.body?.cancel();
    } finally {
      await server.shutdown();
    }
  });
});

Deno.test("admin app: a standby redirects authenticated callers to the active manager, keeping path and query", async () => {
  let answer: StandbyAnswer | undefined = {
    daemon: "mgr.y",
    active: "mgr.x",
    activeUrl: "http://127.0.0.1:7480",
  };
  await withApp(
    async ({ app, admin, post, get, service }) => {
      const cmd = await post(JSON.stringify({ prefix: "fake get", key: "k" }));
      assert.equal(cmd.status, 307);
      assert.equal(cmd.headers.get("location"), "http://127.0.0.1:7480/api/v1/command");
      assert.match(await errorOf(cmd), /^mgr\.y is a standby; the active manager is mgr\.x at /);
      assert.equal(service.calls.length, 0, "a standby runs nothing");
      const health = await app.request("/api/v1/health?detail=1", {
        headers: { authorization: `Bearer ${admin}` },
      });
      assert.equal(health.status, 307);
      assert.equal(health.headers.get("location"), "http://127.0.0.1:7480/api/v1/health?detail=1");
      await health.body?.cancel();

      const anonymous = await get("/api/v1/health", null);
      assert.equal(anonymous.status, 401, "authentication comes before the redirect");
      assert.equal(anonymous.headers.get("location"), null);
      await anonymous.body?.cancel();

      answer = { daemon: "mgr.y", active: null, activeUrl: null };
      const none = await get("/api/v1/status");
      assert.equal(none.status, 503);
      assert.equal(none.headers.get("retry-after"), "5");
      assert.match(
        await errorOf(none),
        /mgr\.y is a standby and no manager is active; retry later/,
      );

      answer = undefined; // this daemon became the active one
      const served = await post(JSON.stringify({ prefix: "fake get", key: "k" }));
      assert.equal(served.status, 200);
      assert.equal((await served.json()).retval, 0);
      assert.equal(service.calls.length, 1);
    },
    undefined,
    () => answer,
  );
});
