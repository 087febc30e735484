-- tests/lua/test_api.lua - every Engine method, the module functions,
-- <close> semantics, scans, errors and data-path results.
local H = dofile((os.getenv("LSMLAB_SRC") or ".") .. "/tests/lua/helpers.lua")
local lsmlab = require "lsmlab"
local check, raises = H.check, H.raises

-- require touches no global; the module is cached
do
  local before = {}
  for k in pairs(_G) do before[k] = true end
  package.loaded.lsmlab = nil
  local again = require "lsmlab"
  for k in pairs(_G) do check(before[k], "require set global " .. tostring(k)) end
  check(type(again.open) == "function", "module has open")
  lsmlab = again
end

-- the lists come from the registries
local l = lsmlab.list()
for _, kind in ipairs({ "engines", "devices", "memtables", "strategies" }) do
  check(#l[kind] >= 1, kind .. " listed")
  for _, name in ipairs(l[kind]) do
    check(l[kind][name] and l[kind][name].name == name, kind .. " entry " .. name)
  end
end
check(l.engines.lsm ~= nil and l.devices.mem ~= nil, "lsm and mem registered")
local wbs
for _, o in ipairs(l.engines.lsm.options) do if o.name == "write_buffer_size" then wbs = o end end
check(wbs and wbs.type == "bytes" and wbs.default == "64MiB", "option table exported")
check(lsmlab.metrics.wa and lsmlab.metrics.wa.term == "WA", "metric definitions exported")
check(type(lsmlab.version) == "string", "version")

-- parse helpers
check(lsmlab.parse_bytes("4MiB") == 4 * 1024 * 1024, "parse_bytes MiB")
check(lsmlab.parse_bytes("1e6") == 1000000, "parse_bytes 1e6")
check(lsmlab.parse_duration("10ms") == 10000000, "parse_duration ms")
check(math.type(lsmlab.parse_number("1e6")) == "integer", "parse_number integer")
check(lsmlab.parse_bytes("4 parsecs") == nil, "parse_bytes rejects")
check(lsmlab.parse_bool("yes") == true, "parse_bool")

-- every engine x every memtable/strategy opens, writes, reads, scans, closes
local function exercise(engine, cfg, label)
  local db <close> = lsmlab.open(engine, cfg)
  check(tostring(db):find(engine, 1, true), label .. ": tostring names the engine")
  local model, keys = {}, {}
  local rng = lsmlab.rng(7)
  for i = 1, 3000 do
    local k = rng:key(rng:random(0, 999), 8)
    if rng:random() < 0.2 then
      check(db:delete(k) == true, label .. ": delete")
      model[k] = nil
    else
      local v = rng:bytes(rng:random(0, 64))
      check(db:put(k, v) == true, label .. ": put")
      model[k] = v
    end
  end
  for k in pairs(model) do keys[#keys + 1] = k end
  table.sort(keys)
  for i = 1, 1000, 37 do
    local k = ("%08d"):format(i)
    check(db:get(k) == model[k], label .. ": get " .. k)
  end
  -- full scan equals the model, in order
  local i = 0
  for k, v in db:scan() do
    i = i + 1
    check(k == keys[i] and v == model[k], label .. ": scan entry " .. i)
  end
  check(i == #keys, label .. ": scan count")
  -- bounded scan [lo, hi)
  local n = 0
  for k in db:scan("00000100", "00000200") do
    check(k >= "00000100" and k < "00000200", label .. ": bounded scan range")
    n = n + 1
  end
  local expect = 0
  for _, k in ipairs(keys) do if k >= "00000100" and k < "00000200" then expect = expect + 1 end end
  check(n == expect, label .. ": bounded scan count")
  -- deleting while scanning works (the scan reopens after the last key)
  for k in db:scan("00000300", "00000400") do assert(db:delete(k)) end
  for k in db:scan("00000300", "00000400") do check(false, label .. ": key survived " .. k) end
  check(db:flush() == true, label .. ": flush")
  check(db:compact() == true, label .. ": compact")
  check(db:sync() == true, label .. ": sync")
  check(db:check() == true, label .. ": check")
  check(db:get("00000350") == nil, label .. ": deleted stays deleted after compaction")
  local s = db:stats()
  check(s.engine == engine, label .. ": stats engine")
  check(s.wa > 0 and s.user_bytes_written > 0, label .. ": stats wa")
  check(s.sa == s.sa and s.sa > 0, label .. ": sa tracked for direct writes")
  check(s.ops.put > 0 and s.latency_ns.put.count > 0, label .. ": stats ops/latency")
  check(tostring(s):find("Amplification", 1, true), label .. ": stats prints the report")
  if engine == "lsm" then
    check(#s.lsm.levels >= 1 and s.lsm.levels[1].level == 0, label .. ": per-level table")
    check(tostring(s):find("Level  Files", 1, true), label .. ": compaction table printed")
  end
  check(type(db:report()) == "string", label .. ": report")
  local c = db:config()
  check(c.engine == engine and c.options.engine ~= nil, label .. ": config")
  check(db:now() > 0, label .. ": device clock")
  local cnt = db:counters()
  check(cnt.device_bytes_written > 0, label .. ": counters")
end

for _, engine in ipairs(l.engines) do
  if engine == "lsm" then
    for _, mt in ipairs(l.memtables) do
      exercise("lsm", { memtable = mt, write_buffer_size = "32KiB" }, "lsm/" .. mt)
    end
    for _, st in ipairs(l.strategies) do
      exercise("lsm", { strategy = st, write_buffer_size = "32KiB" }, "lsm/" .. st)
    end
  else
    exercise(engine, {}, engine)
  end
end

-- <close> closes at scope end; using a closed engine raises; close is idempotent
local saved
do
  local db <close> = lsmlab.open("lsm", {})
  saved = db
  assert(db:put("a", "1"))
end
check(tostring(saved) == "lsmlab.Engine (closed)", "<close> closed the engine")
raises(function() saved:get("a") end, { "attempt to use a closed engine" }, "closed get")
raises(function() saved:close() end, { "attempt to use a closed engine" }, "closed close")
do
  local db = lsmlab.open("lsm", {})
  local it, state, ctl, closing = db:scan()
  check(closing ~= nil, "scan returns a to-be-closed value")
  db:close()
  check(it(state) == nil, "a scan of a closed engine ends")
end
-- an error inside a scan loop closes the scan; a GC'd handle is fine
do
  local db <close> = lsmlab.open("lsm", {})
  for i = 1, 10 do db:put("k" .. i, "v") end
  local ok = pcall(function() for k in db:scan() do error("stop") end end)
  check(not ok, "error escapes the loop")
  check(db:put("k99", "v") == true, "write after an aborted scan")
  lsmlab.open("lsm", {})
  collectgarbage()
end

-- misuse raises with the key and the allowed values
raises(function() lsmlab.open("lsm", { blok_size = 4096 }) end,
  { "blok_size", "did you mean 'block_size'" }, "unknown key")
raises(function() lsmlab.open("lsm", { block_size = 3 }) end,
  { "block_size", "256..16777216" }, "out of range")
raises(function() lsmlab.open("lsm", { wal_sync = "sometimes" }) end,
  { "wal_sync", "none", "always" }, "bad enum")
raises(function() lsmlab.open("nosuch") end, { "unknown engine 'nosuch'", "lsm" }, "engine")
raises(function() lsmlab.open("lsm", { device = "floppy" }) end,
  { "unknown device 'floppy'", "mem" }, "device")
raises(function() lsmlab.open("lsm", { strategy = "zigzag" }) end,
  { "unknown strategy 'zigzag'", "leveled" }, "strategy")
raises(function() lsmlab.open("lsm", { write_buffer_size = {} }) end,
  { "write_buffer_size" }, "bad value type")
raises(function() lsmlab.open("lsm", { device = "file" }) end, { "path" }, "file needs path")
do
  local db <close> = lsmlab.open("lsm", {})
  raises(function() db:put("", "v") end, { "1..65535" }, "empty key")
  raises(function() db:put("k") end, { "bad argument #2" }, "missing value")
  raises(function() db:run("ycsb-a", { recordcont = 5 }) end,
    { "recordcont", "recordcount" }, "unknown workload parameter")
  raises(function() db:run("ycsb-zz", {}) end, { "ycsb-zz", "ycsb-a" }, "unknown workload")
end

-- a data-path failure returns nil, message, code: a full device
do
  local db <close> = lsmlab.open("lsm", { capacity = "64KiB", write_buffer_size = "4KiB" })
  local ok, msg, code
  for i = 1, 10000 do
    ok, msg, code = db:put(("%08d"):format(i), ("x"):rep(100))
    if not ok then break end
  end
  check(ok == nil and type(msg) == "string" and code == "KV_ENOSPC",
    ("ENOSPC is returned, not raised (got %s, %s, %s)"):format(tostring(ok), tostring(msg),
      tostring(code)))
end

-- the file device, reopened: data survives
do
  local dir = H.tmpdir()
  do
    local db <close> = lsmlab.open("lsm", { device = "file", path = dir, fsync = false })
    assert(db:put("persist", "yes"))
  end
  local db <close> = lsmlab.open("lsm", { device = "file", path = dir, fsync = false })
  check(db:get("persist") == "yes", "file device reopen")
  os.execute("rm -rf '" .. dir .. "'")
end

-- the compaction log: one CSV row per job; LSM only; unwritable path
do
  local dir = H.tmpdir()
  local file = dir .. "/jobs.csv"
  do
    local db <close> = lsmlab.open("lsm", { write_buffer_size = "16KiB", compaction_log = file })
    for i = 1, 3000 do assert(db:put(("k%05d"):format(i % 700), ("v"):rep(50))) end
  end
  local header, rows = lsmlab.read_csv(file)
  check(header[1] == "job" and header[7] == "kind" and #header == 17, "compaction log header")
  local flushes = 0
  for i, r in ipairs(rows) do
    check(tonumber(r[1]) == i, "compaction log job numbers")
    if r[7] == "flush" then flushes = flushes + 1 end
  end
  check(flushes >= 5 and #rows > flushes, "compaction log has flushes and merges")
  raises(function() lsmlab.open("btree", { compaction_log = file }) end, { "btree" },
    "compaction log on the B+ tree")
  local db, msg = lsmlab.open("lsm", { compaction_log = dir .. "/none/x.csv" })
  check(db == nil and msg:find(dir .. "/none/x.csv", 1, true), "compaction log bad path")
  os.execute("rm -rf '" .. dir .. "'")
end

-- device counters sampled per interval: the SSD's free blocks over time
do
  local db <close> = lsmlab.open("lsm", { device = "ssd", preset = "tiny",
    write_buffer_size = "256KiB" })
  local free = {}
  db:load("ycsb-a", { recordcount = 20000, interval_ops = 2000, on_interval = function()
    free[#free + 1] = db:stats().device_report.free_blocks
  end })
  check(#free >= 10, "free-block samples")
  check(free[1] > free[#free] and free[#free] > 0, "free blocks fall as the drive fills")
end

-- named workloads, custom mixes, event functions, callbacks
do
  local db <close> = lsmlab.open("lsm", { write_buffer_size = "64KiB" })
  local p = { recordcount = 2000, operationcount = 4000, interval_ops = 1000 }
  local samples = 0
  p.on_interval = function(s) samples = samples + 1; check(s.ops > 0, "sample ops") end
  local done
  p.on_done = function(r) done = r end
  local r1 = assert(db:load("ycsb-b", p))
  local r2 = assert(db:run("ycsb-b", p))
  check(r1.phase == "load" and r1.ops == 2000, "load phase")
  check(r2.phase == "run" and r2.ops == 4000, "run phase")
  check(done == r2, "on_done gets the result")
  check(samples >= 4, "interval samples")
  check(r2.sa == r2.sa and r2.sa > 0, "sa exact across load+run")
  check(r2.latency_ns.read.count > 0, "per-op latency")
  local db2 <close> = lsmlab.open("lsm", {})
  local r3 = assert(db2:run({ read = 0.5, insert = 0.5 }, { recordcount = 100,
    operationcount = 500 }))
  check(r3.workload == "custom" and r3.count.insert > 0, "declarative mix")
  local calls = 0
  local r4 = db2:run(function(d, rng) calls = calls + 1; d:put(rng:key(rng:random(1, 50)), "v") end,
    { ops = 300, interval_ops = 100, on_interval = function() end })
  check(calls == 300 and r4.ops == 300, "event function")
  raises(function() db2:run(function() end, {}) end, { "ops" }, "event needs ops")
  raises(function() db2:run(function() error("boom") end, { ops = 1 }) end, { "boom" },
    "event error propagates")
  raises(function()
    db2:run("ycsb-a", { recordcount = 10, operationcount = 100, interval_ops = 10,
      on_interval = function() error("cb failed") end })
  end, { "cb failed" }, "callback error propagates")
end

-- rng determinism
do
  local a, b = lsmlab.rng(42), lsmlab.rng(42)
  for _ = 1, 100 do check(a:random(1, 1000) == b:random(1, 1000), "rng determinism") end
  check(#a:bytes(17) == 17 and a:key(5, 4) == "0005", "rng bytes/key")
end

H.finish("test_api")
