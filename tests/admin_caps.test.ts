import assert from "node:assert/strict";
import fc from "fast-check";
import { capsAllow, parseMgrCaps } from "../ceph/mgr_cap.ts";

Deno.test("capsAllow() needs every letter of the perm", () => {
  const cases: [string, string, boolean][] = [
    ["allow r", "r", true],
    ["allow r", "rw", false],
    ["allow r", "w", false],
    ["allow r", "rx", false],
    ["allow rw", "rw", true],
    ["allow rw", "r", true],
    ["allow rw", "rx", false],
    ["allow rx", "rx", true],
    ["allow w", "r", false],
    ["allow rwx", "rwx", true],
    ["allow *", "rwx", true],
    ["allow all", "rw", true],
    ["allow r, allow x", "rx", true],
    ["allow r; allow w", "rw", true],
    ["  allow   rw  ", "rw", true],
  ];
  for (const [caps, perm, want] of cases) {
    assert.equal(capsAllow(caps, perm), want, `${caps} / ${perm}`);
  }
});

Deno.test("capsAllow() fails closed on caps that do not parse and on odd perms", () => {
  assert.equal(capsAllow("", "r"), false);
  assert.equal(capsAllow("allow", "r"), false);
  assert.equal(capsAllow("allow wr", "w"), false);
  assert.equal(capsAllow("allow profile osd", "r"), false);
  assert.equal(capsAllow("allow r network 10.0.0.0/8", "r"), false);
  assert.equal(capsAllow("allow *", ""), false);
  assert.equal(capsAllow("allow *", "q"), false);
  assert.equal(capsAllow("allow *", "R"), false);
});

Deno.test("parseMgrCaps() uses Ceph's parse error wording", () => {
  const err = (caps: string) => {
    const p = parseMgrCaps(caps);
    assert.equal(p.ok, false, caps);
    return p.ok ? "" : p.error;
  };
  assert.equal(err("allow wr"), "mgr capability parse failed, stopped at 'r' of 'allow wr'");
  assert.equal(err("allow"), "mgr capability parse failed, stopped at 'allow' of 'allow'");
  assert.equal(err(""), "mgr capability parse failed, stopped at end of ''");
  assert.equal(
    err("allow r, foo"),
    "mgr capability parse failed, stopped at ', foo' of 'allow r, foo'",
  );
  assert.equal(
    err("allow rwx extra"),
    "mgr capability parse failed, stopped at 'extra' of 'allow rwx extra'",
  );
});

Deno.test("parseMgrCaps() names the Ceph forms mgrd does not support", () => {
  for (
    const caps of [
      "allow profile osd",
      "profile osd",
      'allow command "mgr module ls"',
      "allow service status r",
      "allow module balancer rw",
      "allow r network 10.0.0.0/8",
    ]
  ) {
    const p = parseMgrCaps(caps);
    assert.equal(p.ok, false, caps);
    assert.match(p.ok ? "" : p.error, /mgrd does not support/, caps);
  }
});

Deno.test("capsAllow() agrees with the letters granted, for generated caps and perms", () => {
  const seed = Number(Deno.env.get("FC_SEED") ?? Date.now() % 2 ** 31);
  console.log(`fast-check seed ${seed} (replay: FC_SEED=${seed} deno task test)`);
  const letters = fc.subarray(["r", "w", "x"], { minLength: 1 }).map((l) => l.join(""));
  fc.assert(
    fc.property(fc.array(letters, { minLength: 1, maxLength: 3 }), letters, (grants, perm) => {
      const caps = grants.map((g) => `allow ${g}`).join(", ");
      const granted = new Set(grants.join(""));
      const want = [...perm].every((c) => granted.has(c));
      assert.equal(capsAllow(caps, perm), want);
    }),
    { seed },
  );
});
