#!/usr/bin/env lsmlab
-- experiments/lsm_vs_btree.lua - the course lab: YCSB A-F on the LSM engine
-- (leveled compaction) and on the B+ tree, both on the modeled flash SSD.
-- Per workload and engine: throughput, write, read and space amplification
-- and p99 latencies; one table (summary.md, summary.csv) and one figure
-- (lsm_vs_btree.png) under results/lsm_vs_btree/.
--
-- Expected (REFERENCE.md, "Closed-form costs"; the usual LSM vs B-tree
-- summary): a B+ tree rewrites a whole page per random update (WA about page /
-- record = 4 KiB / 1 KiB before the WAL and checkpoints), reads about one page
-- per get with its inner nodes cached, and holds pages ~69 % full (SA ~1.44,
-- up to twice that with shadow-paged checkpoints, docs/btree.md; a record over
-- a quarter page, like these 1000 B ones, takes an overflow page); leveled LSM
-- compaction rewrites each entry (T-1)L/2 + 1 times (folk 8-15), keeps SA near
-- 1 + 1/T and, with Bloom filters, about one device read per get. So the LSM
-- should lead on the write-heavy mixes (A, F) and the insert mix (D) and in
-- space, the B+ tree on WA per update only when records are large, and the two
-- be close on the read-mostly mixes (B, C); scans (E) merge every LSM level.
--
-- Reading the figure: one bar pair (LSM, B+ tree) per YCSB workload in six
-- panels: run throughput and p99 latencies on log scales (device time of the
-- modeled SSD), write amplification of the whole store, space amplification at
-- the end, and read amplification of the run (device bytes read per byte
-- returned). Empty bars: no such operation in that workload.
--
--   lsmlab run experiments/lsm_vs_btree.lua            # ~1 min
--   lsmlab run experiments/lsm_vs_btree.lua --quick    # a few seconds
local lsmlab = require "lsmlab"

local opt = lsmlab.options{
  "LSM (leveled) vs B+ tree on YCSB A-F over the modeled SSD: per workload a fresh\n" ..
  "store is loaded with N records (YCSB keys, 10 x 100 B values stored as one 1000 B\n" ..
  "value) and then runs N x ops_factor operations of the workload's mix.",
  {"quick", false, "a run of a few seconds (smaller data set)"},
  {"records", 50000, "records loaded per workload (quick: 5000)"},
  {"ops_factor", 1, "operations of the run phase per record"},
  {"workloads", {"a", "b", "c", "d", "e", "f"}, "YCSB core workloads to run",
    choices = {"a", "b", "c", "d", "e", "f"}},
  {"seed", 301, "seed of every random choice"},
  {"out", "results/lsm_vs_btree", "output directory"},
  {"svg", false, "render the figure as SVG instead of PNG"},
}

local records = opt.quick and 5000 or opt.records
local ops = math.floor(records * opt.ops_factor)
-- sizes scaled with the data (1000 B records): several LSM levels, and caches of
-- about 1/25 of the data so reads reach the device
local wbs = opt.quick and "128KiB" or "1MiB"
local base = opt.quick and "512KiB" or "4MiB"
local file = opt.quick and "128KiB" or "1MiB"
local cache = opt.quick and "256KiB" or "2MiB"

local engines = {
  {"lsm", {strategy = "leveled", write_buffer_size = wbs, block_cache_size = cache,
    max_bytes_for_level_base = base, target_file_size_base = file}},
  {"btree", {page_cache_size = cache, checkpoint_bytes = opt.quick and "1MiB" or "8MiB"}},
}

local function finite(x)
  if type(x) ~= "number" or x ~= x or x == math.huge or x == -math.huge then return nil end
  return x
end

local res = lsmlab.results{
  name = "lsm_vs_btree", dir = opt.out, seed = opt.seed,
  title = ("YCSB A-F, %d records of 1000 B loaded then %d operations per workload, " ..
    "modeled SSD (client preset)"):format(records, ops),
  columns = {
    {"workload", "", "YCSB core workload (ycsb-a .. ycsb-f)"},
    {"engine", "", "storage engine: lsm (leveled compaction) or btree"},
    {"load", "kops_per_s", "load phase throughput in device time"},
    {"run", "kops_per_s", "run phase throughput in device time"},
    {"wa", "x", "write amplification of the whole store (load + run): device bytes " ..
      "written, WAL included / user bytes written"},
    {"run_wa", "x", "write amplification of the run phase alone (empty: no writes)"},
    {"ra", "x", "read amplification of the run phase: device bytes read (compaction " ..
      "reads included) / user bytes returned by gets and scans"},
    {"ra", "ios_per_get", "device reads per get, whole store (empty: no gets)"},
    {"sa", "x", "space amplification at the end: device live bytes / logical live bytes"},
    {"read_p99", "us", "99th percentile latency of the workload's reads (gets; scans " ..
      "for ycsb-e) in device time"},
    {"write_p99", "us", "99th percentile latency of the workload's writes (update, " ..
      "insert or read-modify-write) in device time (empty: no writes)"},
  },
}

for _, w in ipairs(opt.workloads) do
  local workload = "ycsb-" .. w
  for _, e in ipairs(engines) do
    local engine, cfg = e[1], {}
    for k, v in pairs(e[2]) do cfg[k] = v end
    cfg.device, cfg.preset, cfg.seed = "ssd", "client", opt.seed
    io.stderr:write(("lsm_vs_btree: %s on %s ...\n"):format(workload, engine))
    local db <close> = lsmlab.open(engine, cfg)
    res:config(workload .. "/" .. engine, db)
    local params = {recordcount = records, operationcount = ops, seed = opt.seed,
      progress = false}
    local load = assert(db:load(workload, params))
    local run = assert(db:run(workload, params))
    local s = db:stats()
    local lat = run.latency_ns
    -- the first operation type of each kind that ran in this workload
    local function first(...)
      for i = 1, select("#", ...) do
        local l = select(i, ...)
        if l and l.count > 0 then return l end
      end
      return nil
    end
    local rd = first(lat.read, lat.scan)
    local wr = first(lat.update, lat.insert, lat.rmw)
    res:add{
      workload = workload, engine = engine,
      load = load.device_ops_per_sec / 1e3, run = run.device_ops_per_sec / 1e3,
      wa = finite(s.wa), run_wa = finite(run.phase_wa),
      ra_x = run.read_bytes > 0 and run.device_bytes_read / run.read_bytes or nil,
      ra_ios_per_get = finite(s.ra_found_ios),
      sa = finite(s.sa),
      read_p99 = rd and rd.p99 / 1e3, write_p99 = wr and wr.p99 / 1e3,
    }
  end
end

res:write_csv("summary.csv")
res:write_json("summary.json")
local both = function(y)
  return {{y = y, where = {engine = "lsm"}, title = "LSM (leveled)"},
    {y = y, where = {engine = "btree"}, title = "B+ tree"}}
end
local image = lsmlab.plot{
  data = res, name = "lsm_vs_btree", x = "workload", svg = opt.svg, layout = {2, 3},
  size = {1200, 800},
  title = ("LSM (leveled) vs B+ tree: YCSB A-F, %d records of 1000 B then %d ops, " ..
    "modeled SSD"):format(records, ops),
  panels = {
    {title = "Run throughput (higher is better; log scale)",
      ylabel = "kops/s of device time", style = "bars", logy = true, key = "top left",
      series = both("run")},
    {title = "Write amplification, load + run", ylabel = "device / user bytes written",
      style = "bars", key = "top left", series = both("wa")},
    {title = "Space amplification at the end", ylabel = "device / logical live bytes",
      style = "bars", key = "top left", series = both("sa")},
    {title = "Read amplification of the run", ylabel = "device / user bytes read",
      style = "bars", key = "top left", series = both("ra_x")},
    {title = "p99 read latency (E: scan; log scale)",
      ylabel = "microseconds (device time)", style = "bars", logy = true, key = "top left",
      series = both("read_p99")},
    {title = "p99 write latency (C: no writes; log scale)",
      ylabel = "microseconds (device time)", style = "bars", logy = true, key = "top left",
      series = both("write_p99")},
  },
}

res:write_summary{
  heading = "LSM vs B+ tree on YCSB A-F",
  text = {
    "Each (workload, engine) pair starts from an empty store. LSM: leveled compaction,",
    ("write buffer %s, L1 target %s, files %s, block cache %s; B+ tree: 4 KiB pages,"):format(
      wbs, base, file, cache),
    ("page cache %s. Throughput and latencies are in device time (deterministic)."):format(
      cache),
    "Columns: results/README.md; definitions: docs/metrics.md; reading the figure:",
    "docs/experiments.md.",
  },
  figures = {{"lsm_vs_btree", image}},
}
