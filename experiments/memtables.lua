#!/usr/bin/env lsmlab
-- experiments/memtables.lua - the memtable kinds side by side inside the LSM
-- engine: what a put, a get (hit and miss), a short scan and a scan right
-- after a write cost, how much memory each kind spends per entry, and how much
-- of that is left end to end. Every registered memtable kind is measured (the
-- list comes from lsmlab.list(), so a new kind is picked up unchanged), plus
-- the vector with its key index (vector_get=index). Writes results/memtables/
-- (summary.md, summary.csv, summary.json, memtables.png, memtables_e2e.png).
--
-- What it measures, in wall-clock time (the memtable is CPU work; device time
-- does not see it), through the engine's own paths (lsmlab's C workload
-- runner, no Lua per operation):
--   1. "in memory": N records (YCSB keys of ~23 B, 100 B values) loaded in
--      pseudo-random order into one memtable large enough to never flush
--      (write_buffer_size = N x 256 B, the size the hash and vector kinds
--      assume for their initial buckets / slots), WAL off; then uniform gets
--      of present keys, gets of absent keys (key numbers N..2N-1, which fall
--      between the loaded keys), 10-entry scans, and a 50/50 mix
--      of overwrites and 10-entry scans; each cost is the best of `repeats`
--      fresh stores. The memory overhead per entry is the memtable's own
--      report (approx_bytes - key and value bytes) / entries (arena blocks of
--      64 KiB, so the unused tail of the last block is negligible). The
--      engine's memtable Bloom filter (memtable_bloom_size_ratio), where it
--      exists, is off here so every get reaches the memtable itself.
--   2. "end to end": db_bench fillrandom of M keys, then M uniform gets
--      (readrandom) with a 4 MiB memtable (WAL on, flushes, leveled
--      compaction, mem device).
--
-- Expected (REFERENCE.md has no memtable facts; RocksDB's memtable
-- documentation and docs/memtables.md section 7): the skip list (RocksDB's
-- default) and the red-black tree cost O(log n) per put and get and scan
-- cheaply; the hash table answers point gets in O(1), several times faster at
-- large n, but must sort a snapshot (O(n log n)) before a scan that follows a
-- write; the vector appends in O(1) (the fastest put) but a get scans the
-- whole array backwards (O(n), thousands of times slower) unless it keeps a
-- key index, and it sorts like the hash table. Overhead: skip list < rbtree <
-- hash < vector. End to end the WAL, flushes and compaction dominate the fill,
-- so kinds differ far less than alone; the vector's O(n) get stays visible in
-- readrandom.
--
-- Reading the figures: memtables.png, one bar group per kind, log scales for
-- the per-operation costs (nanoseconds of wall time per operation; lower is
-- better) and linear bytes per entry. memtables_e2e.png: thousands of
-- operations per second of wall time for the fill and the reads (higher is
-- better). Wall-clock numbers vary between runs and machines by 10-40 %;
-- compare kinds within one run.
--
--   lsmlab run experiments/memtables.lua            # ~1 min
--   lsmlab run experiments/memtables.lua --quick    # a few seconds
local lsmlab = require "lsmlab"

local opt = lsmlab.options{
  "Memtable kinds inside the LSM engine: put, get (hit, miss), scan and\n" ..
  "scan-after-write cost and memory per entry with one large memtable, then db_bench\n" ..
  "fillrandom + readrandom end to end with a 4 MiB memtable; wall-clock time.",
  {"quick", false, "a run of a few seconds (smaller data sets)"},
  {"records", 200000, "records in the single memtable (quick: 20000)"},
  {"gets", 200000, "gets of present and of absent keys each (quick: 20000)"},
  {"scans", 20000, "10-entry scans (quick: 2000)"},
  {"mixed", 200, "operations of the overwrite/scan mix (quick: 100)"},
  {"e2e_records", 1000000, "fillrandom and readrandom operations end to end " ..
    "(quick: 50000)"},
  {"e2e_write_buffer_size", "4MiB", "memtable size end to end (quick: 512KiB)",
    type = "bytes"},
  {"repeats", 3, "fresh stores per kind for the in-memory costs; the best is kept " ..
    "(quick: 2)"},
  {"slow_get_ops", 1000, "gets for kinds with O(n) gets (vector_get=scan)"},
  {"seed", 301, "seed of every random choice"},
  {"out", "results/memtables", "output directory"},
  {"svg", false, "render the figures as SVG instead of PNG"},
}

local N = opt.quick and 20000 or opt.records
local G = opt.quick and 20000 or opt.gets
local S = opt.quick and 2000 or opt.scans
local MIX = opt.quick and 100 or opt.mixed
local E = opt.quick and 50000 or opt.e2e_records
local EWBS = opt.quick and 512 * 1024 or opt.e2e_write_buffer_size
local SLOW = opt.quick and 200 or opt.slow_get_ops

-- every registered kind (defaults), then the vector's indexed variant
local kinds = {}
for _, name in ipairs(lsmlab.list().memtables) do
  kinds[#kinds + 1] = {label = name, memtable = name, cfg = {}}
  if name == "vector" then
    kinds[#kinds + 1] = {label = "vector-index", memtable = name,
      cfg = {vector_get = "index"}}
  end
end
-- the engine's own in-memory filter in front of the memtable, when it has one, is
-- turned off for the in-memory phase so that every get reaches the memtable
local function engine_has_option(engine, name)
  for _, o in ipairs(lsmlab.list().engines[engine].options) do
    if o.name == name then return true end
  end
  return false
end
local memtable_filter = engine_has_option("lsm", "memtable_bloom_size_ratio")

local function slow_gets(k)
  return k.memtable == "vector" and (k.cfg.vector_get or "scan") == "scan"
end

local res = lsmlab.results{
  name = "memtables", dir = opt.out, seed = opt.seed,
  title = ("memtable kinds: %d records in one memtable (YCSB keys, 100 B values), " ..
    "then end to end %d fillrandom + readrandom with a %d KiB memtable; mem device, " ..
    "wall-clock time"):format(N, E, EWBS // 1024),
  notes = "Wall-clock costs on a shared machine: compare kinds within one run.",
  columns = {
    {"kind", "", "memtable kind (vector-index: vector with vector_get=index)"},
    {"put", "ns", "wall time per put into the memtable (YCSB load, WAL off, no flush)"},
    {"get_hit", "ns", "wall time per get of a present key (all in the memtable)"},
    {"get_miss", "ns", "wall time per get of an absent key (YCSB key numbers N..2N-1, " ..
      "between the loaded keys in key order)"},
    {"scan", "ns", "wall time per 10-entry scan (no write in between: a sorted " ..
      "snapshot is reused)"},
    {"scan_after_write", "ns", "wall time per operation of a 50/50 mix of overwrites " ..
      "and 10-entry scans (every scan follows a write)"},
    {"overhead", "bytes_per_entry", "memtable bytes beyond key and value bytes, per " ..
      "entry (the memtable's approx_bytes), at N entries"},
    {"gets", "", "gets measured per hit/miss column (fewer for O(n) gets)"},
    {"fill", "kops_per_s", "end to end: db_bench fillrandom, thousands of puts per " ..
      "second of wall time (WAL, flushes, compaction included)"},
    {"read", "kops_per_s", "end to end: uniform gets over the fill's key range after " ..
      "the fill (db_bench readrandom; about 63 % find their key), thousands per second " ..
      "of wall time"},
    {"fill_device", "kops_per_s", "end to end: fillrandom in device time (nearly the " ..
      "same for every kind: only the entries per flush differ, by the kinds' overhead)"},
    {"wa", "x", "end to end: write amplification after the fill (nearly the same for " ..
      "every kind)"},
  },
}

for _, k in ipairs(kinds) do
  io.stderr:write(("memtables: %s ...\n"):format(k.label))
  local gets = slow_gets(k) and math.min(G, SLOW) or G
  -- 1. one memtable that never flushes
  -- 64 KiB arena blocks: the unused tail of the last block stays small at N entries
  local cfg = {device = "mem", memtable = k.memtable, write_buffer_size = N * 256,
    arena_block_size = "64KiB", wal = false, seed = opt.seed}
  if memtable_filter then cfg.memtable_bloom_size_ratio = 0 end
  for key, v in pairs(k.cfg) do cfg[key] = v end
  -- each cost is the best of `repeats` fresh stores (wall time on a shared machine)
  local best = {}
  local function keep(name, v) best[name] = math.min(best[name] or math.huge, v) end
  for rep = 1, opt.quick and 2 or opt.repeats do
    local db <close> = lsmlab.open("lsm", cfg)
    if rep == 1 then res:config(k.label .. " in memory", db) end
    local p = {recordcount = N, operationcount = gets, fieldcount = 1, fieldlength = 100,
      distribution = "uniform", seed = opt.seed, progress = false}
    local load = assert(db:load("ycsb-c", p))
    keep("overhead", db:stats().engine_report.memtable_overhead_bytes_per_entry)
    local hits = assert(db:run("ycsb-c", p))
    assert(hits.reads_found == gets, "a get of a loaded key missed")
    -- absent keys: YCSB key numbers N..2N-1 (hotspot with no operation on the hot
    -- half [0, N)), spread between the loaded keys in key order
    local misses = assert(db:run("ycsb-c", {recordcount = 2 * N, operationcount = gets,
      fieldcount = 1, fieldlength = 100, distribution = "hotspot",
      hotspot_data_fraction = 0.5, hotspot_op_fraction = 0, seed = opt.seed,
      progress = false}))
    assert(misses.reads_not_found == gets, "a get of an absent key hit")
    local scan_p = {recordcount = N, operationcount = S, fieldcount = 1, fieldlength = 100,
      read_proportion = 0, insert_proportion = 0, scan_proportion = 1, max_scan_length = 10,
      scan_length_dist = "constant", distribution = "uniform", seed = opt.seed,
      progress = false}
    local scans = assert(db:run("ycsb-e", scan_p))
    local mix_p = {}
    for key, v in pairs(scan_p) do mix_p[key] = v end
    mix_p.operationcount, mix_p.update_proportion, mix_p.scan_proportion = MIX, 0.5, 0.5
    local mix = assert(db:run("ycsb-e", mix_p))
    assert(db:stats().engine_report.flushes == 0, "the in-memory phase flushed")
    keep("put", load.wall_ns / load.ops)
    keep("hit", hits.wall_ns / hits.ops)
    keep("miss", misses.wall_ns / misses.ops)
    keep("scan", scans.wall_ns / scans.ops)
    keep("mix", mix.wall_ns / mix.ops)
  end
  -- 2. end to end
  local fill, read, wa
  do
    local ecfg = {device = "mem", memtable = k.memtable, write_buffer_size = EWBS,
      max_bytes_for_level_base = 4 * EWBS, target_file_size_base = EWBS, seed = opt.seed}
    for key, v in pairs(k.cfg) do ecfg[key] = v end
    local db <close> = lsmlab.open("lsm", ecfg)
    res:config(k.label .. " end to end", db)
    fill = assert(db:run("fillrandom", {recordcount = E, operationcount = E, seed = opt.seed,
      progress = false}))
    wa = db:stats().wa
    read = assert(db:run({read = 1}, {recordcount = E, distribution = "uniform",
      operationcount = slow_gets(k) and math.max(SLOW, E // 20) or E, seed = opt.seed,
      progress = false}))
  end
  res:add{
    kind = k.label, put = best.put, get_hit = best.hit, get_miss = best.miss,
    scan = best.scan, scan_after_write = best.mix, overhead = best.overhead, gets = gets,
    fill = fill.ops_per_sec / 1e3, read = read.ops_per_sec / 1e3,
    fill_device = fill.device_ops_per_sec / 1e3, wa = wa,
  }
end

res:write_csv("summary.csv")
res:write_json("summary.json")
local bars = function(title, ylabel, y, logy)
  return {title = title, ylabel = ylabel, style = "bars", logy = logy, key = "off",
    series = {{y = y, title = ylabel}}}
end
local image = lsmlab.plot{
  data = res, name = "memtables", x = "kind", svg = opt.svg, layout = {2, 3},
  size = {1200, 760},
  title = ("Memtable kinds in the LSM engine: %d records in one memtable " ..
    "(wall time, lower is better)"):format(N),
  panels = {
    bars("Put (log scale)", "ns per put", "put", true),
    bars("Get of a present key (log scale)", "ns per get", "get_hit", true),
    bars("Get of an absent key (log scale)", "ns per get", "get_miss", true),
    bars("10-entry scan, no write between (log scale)", "ns per scan", "scan", true),
    bars("Scan right after a write: 50/50 mix (log scale)", "ns per operation",
      "scan_after_write", true),
    bars("Memory overhead", "bytes per entry beyond key + value", "overhead", false),
  },
}
local image2 = lsmlab.plot{
  data = res, name = "memtables_e2e", x = "kind", svg = opt.svg, layout = {1, 2},
  size = {1000, 440},
  title = ("End to end: fillrandom + readrandom, %d keys, %d KiB memtable " ..
    "(wall time; higher is better)"):format(E, EWBS // 1024),
  panels = {
    bars("fillrandom (WAL, flushes, compaction)", "thousand puts per second", "fill",
      false),
    bars("readrandom (uniform gets after the fill)", "thousand gets per second", "read",
      false),
  },
}

res:write_summary{
  heading = "Memtable kinds",
  text = {
    "Costs are wall-clock nanoseconds per operation through the engine (C workload",
    "runner), so they include the engine's own work around the memtable (about 100-200",
    "ns). `gets` is the number of gets per hit/miss column (fewer for the vector's O(n)",
    "gets). Each in-memory cost is the best of several fresh stores. fill_device and wa",
    "differ only a little between kinds (a kind with more overhead per entry flushes",
    "fewer entries per memtable): the memtable decides how fast the CPU works, hardly",
    "what reaches the device. Columns: results/README.md; reading the figures:",
    "docs/experiments.md.",
  },
  figures = {{"memtables", image}, {"memtables_e2e", image2}},
}
