#!/usr/bin/env lsmlab
-- experiments/twcs_ttl.lua - space over time for time-window compaction (TWCS)
-- vs size-tiered compaction (STCS) on a time series whose entries expire after
-- a TTL. Writes results/twcs_ttl/ (summary.md, summary.csv, summary.json,
-- timeline.csv, twcs_ttl.png).
--
-- What it measures: an append-only time series (the `timeseries` workload:
-- 30 B keys in timestamp order, 100 B values, inserts only) written at a
-- constant rate for `duration` of device time into an LSM store whose entries
-- expire `ttl` after they were written (the engine's `ttl` option, device
-- clock). The mem device's per-call latency is set so one write (one WAL
-- append) takes duration / writes of device time. Every duration / samples the
-- device's live bytes are recorded, beside the bytes written during the last
-- TTL (the data that has not expired yet: what an ideal store would hold).
--
-- Expected (REFERENCE.md, "Time-window (Cassandra TWCS)" and "Size-tiered";
-- Cassandra's TWCS documentation): TWCS groups data by write time into windows,
-- merges each closed window once and drops a whole run without reading it once
-- all its data is past the TTL, so its space levels off after one TTL at about
-- TTL + one window of data. STCS merges runs by size only: expired entries are
-- dropped only when the run holding them takes part in a merge, and the big
-- old runs merge rarely, so its space keeps growing past the unexpired data
-- and falls back only at the occasional large merge (a sawtooth), while it
-- also rewrites data more often (higher WA).
--
-- Reading the figure: left, device live bytes over device time; the dashed
-- line is the unexpired data (written in the last TTL). TWCS should track the
-- line from above after one TTL; STCS drifts above it and drops at large
-- merges. Right: bytes written to the device (WA) over the same time.
--
--   lsmlab run experiments/twcs_ttl.lua            # a few seconds
--   lsmlab run experiments/twcs_ttl.lua --quick    # under a second
local lsmlab = require "lsmlab"

local opt = lsmlab.options{
  "TWCS vs STCS on a TTL time series: space over time. An append-only time series\n" ..
  "(30 B keys, 100 B values) written at a constant rate for `duration` of device\n" ..
  "time; entries expire `ttl` after they were written (engine ttl, device clock).",
  {"quick", false, "a run of a few seconds (fewer writes, shorter TTL)"},
  {"writes", 1000000, "time-series writes (quick: 40000)"},
  {"ttl", "20min", "time to live of every entry (quick: 10min)", type = "duration"},
  {"ttls", 4, "duration of the run in TTLs"},
  {"window_minutes", 1, "TWCS compaction_window_size in MINUTES (Cassandra: aim for " ..
    "20-30 windows per TTL)"},
  {"write_buffer_size", "256KiB", "memtable size (quick: 64KiB); also STCS's " ..
    "min_sstable_size", type = "bytes"},
  {"samples", 80, "space samples per run"},
  {"strategies", {"twcs", "tiered"}, "strategies to compare",
    choices = lsmlab.list().strategies},
  {"seed", 301, "seed of every random choice"},
  {"out", "results/twcs_ttl", "output directory"},
  {"svg", false, "render the figure as SVG instead of PNG"},
}

local writes = opt.quick and 40000 or opt.writes
local ttl_ns = opt.quick and 10 * 60 * 1000000000 or opt.ttl
local wbs = opt.quick and 64 * 1024 or opt.write_buffer_size
local duration_ns = math.floor(ttl_ns * opt.ttls)
-- one write = one WAL append = one mem-device call: its latency sets the rate
local op_latency = duration_ns // writes
local MiB = 1024 * 1024
local minute = 60e9

local labels = {twcs = "TWCS", tiered = "STCS (tiered)"}

local res = lsmlab.results{
  name = "twcs_ttl", dir = opt.out, seed = opt.seed,
  title = ("%d time-series writes over %.0f min of device time, TTL %.0f min, " ..
    "TWCS windows of %d min; mem device"):format(writes, duration_ns / minute,
    ttl_ns / minute, opt.window_minutes),
  columns = {
    {"strategy", "", "compaction strategy: twcs or tiered (STCS)"},
    {"written", "mib", "user bytes written (key + value)"},
    {"unexpired_end", "mib", "user bytes written during the last TTL at the end: the " ..
      "data that has not expired"},
    {"live_end", "mib", "device live bytes at the end (SSTables, WAL, manifest)"},
    {"live_mean", "mib", "mean device live bytes over the samples after the first TTL"},
    {"live_max", "mib", "largest device live bytes over the samples after the first TTL"},
    {"space_ratio", "x", "live_mean / mean unexpired bytes over the same samples " ..
      "(1: only unexpired data is kept)"},
    {"ttl_drops", "", "compaction jobs that dropped whole expired runs without reading " ..
      "them (TWCS trigger ttl_expired)"},
    {"merges", "", "compaction jobs that merged runs"},
    {"entries_dropped", "", "entries dropped by merges (expired or overwritten)"},
    {"wa", "x", "write amplification: device bytes written (WAL included) / user bytes"},
  },
}
local timeline = lsmlab.results{
  name = "timeline", dir = opt.out, seed = opt.seed,
  title = "space over time, one row per sample",
  columns = {
    {"strategy", "", "compaction strategy"},
    {"t", "min", "device time since the start"},
    {"live", "mib", "device live bytes"},
    {"unexpired", "mib", "user bytes written during the last TTL (data not yet expired)"},
    {"written", "mib", "user bytes written so far"},
    {"device_written", "mib", "device bytes written so far"},
  },
}

-- user bytes written up to device time t, interpolated between samples
local function written_at(samples, t)
  if t <= 0 then return 0 end
  local prev_t, prev_w = 0, 0
  for _, s in ipairs(samples) do
    if s.t >= t then
      if s.t == prev_t then return s.w end
      return prev_w + (s.w - prev_w) * (t - prev_t) / (s.t - prev_t)
    end
    prev_t, prev_w = s.t, s.w
  end
  return prev_w
end

local function sum_levels(s, field)
  local n = 0
  for _, l in ipairs(s.lsm.levels) do n = n + (l[field] or 0) end
  return n
end

for _, name in ipairs(opt.strategies) do
  local cfg = {strategy = name, device = "mem", op_latency = op_latency,
    write_buffer_size = wbs, ttl = ttl_ns, seed = opt.seed}
  if name == "twcs" then
    cfg.compaction_window_unit = "MINUTES"
    cfg.compaction_window_size = opt.window_minutes
    cfg.min_sstable_size = wbs
  elseif name == "tiered" then
    cfg.min_sstable_size = wbs
  end
  io.stderr:write(("twcs_ttl: %s ...\n"):format(name))
  local db <close> = lsmlab.open("lsm", cfg)
  res:config(name, db)
  local samples = {}
  local function record(s)
    samples[#samples + 1] = {t = s.device_ns, w = s.user_bytes_written,
      live = s.device_live_bytes, dw = s.device_bytes_written}
  end
  assert(db:run("timeseries", {operationcount = writes, insert_proportion = 1,
    read_proportion = 0, scan_proportion = 0, value_size = 100, seed = opt.seed,
    interval_ns = duration_ns // opt.samples, on_interval = record, progress = false}))
  local s = db:stats()
  -- the runner's last sample repeats the end when the run stops on a boundary
  local live_sum, unexp_sum, n, live_max = 0, 0, 0, 0
  local last_t = -1
  for _, x in ipairs(samples) do
    if x.t > last_t then
      last_t = x.t
      local unexpired = x.w - written_at(samples, x.t - ttl_ns)
      timeline:add{strategy = name, t = x.t / minute, live = x.live / MiB,
        unexpired = unexpired / MiB, written = x.w / MiB, device_written = x.dw / MiB}
      if x.t >= ttl_ns then
        live_sum, unexp_sum, n = live_sum + x.live, unexp_sum + unexpired, n + 1
        live_max = math.max(live_max, x.live)
      end
    end
  end
  local last = samples[#samples]
  local trig = s.lsm.triggers
  local merges = 0
  for k, v in pairs(trig) do
    if k ~= "flush" and k ~= "ttl_expired" and k ~= "manual" then merges = merges + v end
  end
  res:add{
    strategy = name, written = s.user_bytes_written / MiB,
    unexpired_end = (last.w - written_at(samples, last.t - ttl_ns)) / MiB,
    live_end = s.device_live_bytes / MiB,
    live_mean = n > 0 and live_sum / n / MiB or nil,
    live_max = n > 0 and live_max / MiB or nil,
    space_ratio = n > 0 and live_sum / unexp_sum or nil,
    ttl_drops = trig.ttl_expired or 0, merges = merges,
    entries_dropped = sum_levels(s, "entries_dropped"), wa = s.wa,
  }
end

res:write_csv("summary.csv")
res:write_json("summary.json")
timeline:write_csv("timeline.csv")

local live_series, written_series = {}, {}
for _, name in ipairs(opt.strategies) do
  live_series[#live_series + 1] = {y = "live", where = {strategy = name},
    title = (labels[name] or name) .. ": device live bytes", style = "lines"}
  written_series[#written_series + 1] = {y = "device_written", where = {strategy = name},
    title = (labels[name] or name) .. ": device bytes written", style = "lines"}
end
live_series[#live_series + 1] = {y = "unexpired", where = {strategy = opt.strategies[1]},
  title = "unexpired data (written in the last TTL)", style = "lines"}
written_series[#written_series + 1] = {y = "written", where = {strategy = opt.strategies[1]},
  title = "user bytes written", style = "lines"}
local image = lsmlab.plot{
  data = timeline, name = "twcs_ttl", x = "t", svg = opt.svg, layout = {1, 2},
  size = {1300, 520},
  title = ("TWCS vs STCS on a TTL time series: %d writes over %.0f min, TTL %.0f min, " ..
    "TWCS windows of %d min (mem device, device time)"):format(writes,
    duration_ns / minute, ttl_ns / minute, opt.window_minutes),
  panels = {
    {title = "Space over time", xlabel = "device time (minutes)",
      ylabel = "MiB", key = "top left Left reverse", series = live_series},
    {title = "Bytes written over time", xlabel = "device time (minutes)",
      ylabel = "MiB", key = "top left Left reverse", series = written_series},
  },
}

res:write_summary{
  heading = "TWCS vs STCS on a TTL time series",
  text = {
    "Both stores use the engine's ttl (entries older than the TTL by the device clock are",
    "invisible and dropped by merges); TWCS also drops whole expired runs without reading",
    "them. unexpired = user bytes written during the last TTL (what an ideal store keeps);",
    "space_ratio = mean live / mean unexpired after the first TTL. The time line of every",
    "sample is in timeline.csv. Columns: results/README.md; reading the figure:",
    "docs/experiments.md.",
  },
  figures = {{"twcs_ttl", image}},
}
