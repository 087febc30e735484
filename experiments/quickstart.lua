#!/usr/bin/env lsmlab
-- experiments/quickstart.lua - the README's main job: the same workload on
-- the LSM engine with leveled, universal and tiered compaction and on the
-- B+ tree, all on the modeled flash SSD; one table (summary.md, summary.csv)
-- and one figure (quickstart.png) under results/quickstart/.
--
-- Expected (REFERENCE.md, "Closed-form costs"): leveled compaction writes the
-- most of the LSM configurations ((T-1)L/2 + 1 per entry; folk 8-15) and keeps
-- the least space (~1 + 1/T); tiered and universal write less (folk 2-4) and
-- keep more (STCS up to ~2x, universal up to 3x, plus transients); with Bloom
-- filters every LSM needs about one device read per get. The B+ tree rewrites
-- a 4 KiB page per small random update (WA Theta(page / entry), by far the
-- highest here) and holds pages ~69 % full (SA ~1.44 or more).
--
-- Reading the figure: one bar group per configuration in four panels: WA with
-- and without the WAL, device reads per get, SA at the end and at its peak
-- (lower is better in all three), and throughput in device time of the
-- modeled SSD for the load and the run (higher is better).
--
--   lsmlab run experiments/quickstart.lua            # ~10-30 s
--   lsmlab run experiments/quickstart.lua --quick    # a few seconds
local lsmlab = require "lsmlab"

local opt = lsmlab.options{
  "Quickstart: LSM (leveled, universal, tiered) vs B+ tree on the modeled SSD:\n" ..
  "write, read and space amplification and throughput for one workload\n" ..
  "(load N records, then N x ops_factor uniform 50/50 reads and overwrites).",
  {"quick", false, "a run of a few seconds (smaller data set)"},
  {"records", 200000, "records loaded (quick: 20000)"},
  {"ops_factor", 2, "operations of the run phase per record"},
  {"value_size", 100, "value bytes", type = "bytes"},
  {"seed", 301, "seed of every random choice"},
  {"out", "results/quickstart", "output directory"},
  {"svg", false, "render the figure as SVG instead of PNG"},
}

local records = opt.quick and 20000 or opt.records
local ops = math.floor(records * opt.ops_factor)
-- LSM sizes scaled down with the data set, so every run has several levels
local wbs = opt.quick and "128KiB" or "1MiB"
local base = opt.quick and "512KiB" or "4MiB"
local file = opt.quick and "128KiB" or "1MiB"
-- caches of about 1/8 of the data, so reads reach the device
local cache = opt.quick and "256KiB" or "2MiB"

-- the SSD model: the client preset (TLC, 7 % over-provisioning)
local device = {device = "ssd", preset = "client"}

local configs = {
  {"lsm-leveled", "lsm", {strategy = "leveled", write_buffer_size = wbs, block_cache_size = cache,
    max_bytes_for_level_base = base, target_file_size_base = file}},
  {"lsm-universal", "lsm", {strategy = "universal", write_buffer_size = wbs,
    block_cache_size = cache,
    target_file_size_base = file}},
  {"lsm-tiered", "lsm", {strategy = "tiered", write_buffer_size = wbs, block_cache_size = cache,
    min_sstable_size = file}},
  {"btree", "btree", {page_cache_size = cache,
    checkpoint_bytes = opt.quick and "1MiB" or "8MiB"}},
}

local res = lsmlab.results{
  name = "quickstart", dir = opt.out, seed = opt.seed,
  title = ("%d records (YCSB keys, %d B values), then %d uniform 50/50 reads and " ..
    "overwrites, modeled SSD"):format(records, opt.value_size, ops),
  columns = {
    {"config", "", "engine and compaction strategy"},
    {"engine", "", "storage engine"},
    {"strategy", "", "LSM compaction strategy (empty for the B+ tree)"},
    {"wa", "x", "write amplification: device bytes written (WAL included) / user bytes written"},
    {"wa_no_wal", "x", "write amplification without WAL bytes"},
    {"ra", "ios_per_get", "device reads per get (every get finds its key)"},
    {"ra", "bytes_per_get", "device bytes read per get"},
    {"sa", "x", "space amplification at the end: device live bytes / logical live bytes"},
    {"sa_peak", "x", "peak device live bytes / peak logical live bytes"},
    {"load", "kops_per_s", "load phase throughput in device time (modeled SSD)"},
    {"run", "kops_per_s", "run phase throughput in device time (modeled SSD)"},
    {"read_p99", "us", "99th percentile get latency in device time"},
    {"update_p99", "us", "99th percentile overwrite latency in device time"},
  },
}

-- YCSB's load phase, then a uniform 50/50 mix of reads and overwrites
local workload = "ycsb-a"
for _, c in ipairs(configs) do
  local label, engine, cfg = c[1], c[2], c[3]
  for k, v in pairs(device) do cfg[k] = v end
  cfg.seed = opt.seed
  io.stderr:write(("quickstart: %s ...\n"):format(label))
  local db <close> = lsmlab.open(engine, cfg)
  res:config(label, db)
  local params = {recordcount = records, operationcount = ops, value_size = opt.value_size,
    read_proportion = 0.5, update_proportion = 0.5, distribution = "uniform",
    seed = opt.seed, progress = false}
  local load = assert(db:load(workload, params))
  local run = assert(db:run(workload, params))
  local s = db:stats()
  local lat = run.latency_ns
  res:add{
    config = label, engine = engine, strategy = cfg.strategy or "",
    wa = s.wa, wa_no_wal = s.wa_no_wal,
    ra_ios_per_get = s.ra_found_ios, ra_bytes_per_get = s.ra_found_bytes,
    sa = s.sa, sa_peak = s.sa_peak,
    load = load.device_ops_per_sec / 1e3, run = run.device_ops_per_sec / 1e3,
    read_p99 = lat.read and lat.read.p99 / 1e3, update_p99 = lat.update and lat.update.p99 / 1e3,
  }
end

res:write_csv("summary.csv")
res:write_json("summary.json")
local image = lsmlab.plot{
  data = res, name = "quickstart", x = "config", svg = opt.svg, layout = {2, 2},
  title = ("lsmlab quickstart: %d records (%d B values), then %d uniform 50/50 " ..
    "reads/overwrites, modeled SSD"):format(records, opt.value_size, ops),
  panels = {
    {title = "Write amplification (lower is better)", ylabel = "device bytes / user bytes",
      style = "bars", series = {{y = "wa", title = "all files"},
        {y = "wa_no_wal", title = "without WAL"}}},
    {title = "Read cost per get (lower is better)", ylabel = "device reads per get",
      style = "bars", series = {{y = "ra_ios_per_get", title = "reads per get"}}},
    {title = "Space amplification (lower is better)", ylabel = "device bytes / live bytes",
      style = "bars", series = {{y = "sa", title = "end of run"}, {y = "sa_peak", title = "peak"}}},
    {title = "Throughput in device time (higher is better)", ylabel = "kops/s",
      style = "bars", series = {{y = "load", title = "load"}, {y = "run", title = "run"}}},
  },
}

res:write_summary{
  heading = "Quickstart",
  text = {
    "Every number comes from the device wrapper's byte counters or the modeled SSD's",
    "virtual clock (deterministic for a seed); definitions: docs/metrics.md, columns:",
    "results/README.md. Data: summary.csv (with its metadata block), summary.json; the",
    "figure's data and script: quickstart.csv, quickstart.gp.",
  },
  columns = {"config", "wa", "wa_no_wal", "ra_ios_per_get", "sa", "sa_peak", "load", "run",
    "read_p99", "update_p99"},
  figures = {{"quickstart", image}},
}
io.stderr:write(("quickstart: wrote %s/summary.md, summary.csv, summary.json%s\n"):format(
  opt.out, image and (", " .. image:match("[^/]+$")) or ""))
