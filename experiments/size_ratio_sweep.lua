#!/usr/bin/env lsmlab
-- experiments/size_ratio_sweep.lua - write and space amplification vs the size
-- ratio T for leveling and tiering, the measured points drawn beside the closed
-- forms of /work/shared/REFERENCE.md ("Closed-form costs"). Writes
-- results/size_ratio_sweep/ (summary.md, summary.csv, size_ratio_sweep.png).
--
-- The mapping of T onto the strategies' options:
--   leveling = strategy leveled, max_bytes_for_level_multiplier = T,
--              max_bytes_for_level_base = T x write buffer, num_levels 16;
--   tiering  = strategy tiered (STCS), min_threshold = max_threshold = T: a merge
--              takes T runs of similar size and writes one run T times larger,
--              so adjacent tiers differ by T (min_sstable_size = write buffer, so
--              fresh flushes share the smallest bucket).
-- (universal's size_ratio is a tolerance in percent, not a fan-out, so it is not
-- used here.)
--
-- Expected (REFERENCE.md, "Closed-form costs"): with L = ceil(log_T(N E / M +
-- 1)) levels, leveling rewrites an entry about (T-1)L/2 times and tiering
-- (T-1)L/T times: tiering's WA falls as T grows, leveling's grows roughly
-- linearly in T once L stops shrinking; SA for leveling ~ 1 + 1/T (falls with
-- T), for tiering higher (REFERENCE.md: STCS up to ~2x plus transients), as up
-- to T runs of the same key range wait to be merged. Small data sets sit on the steps
-- of the ceiling, and L0 and partial compactions add a constant, so read the
-- curves as trends, not fits.
--
-- Reading the figure: left, WA without WAL vs T (points: measured, dashed:
-- closed forms + 1 for the flush; the steps are where L changes); right, SA at
-- the end and at its peak vs T, with leveling's 1 + 1/T.
--
--   lsmlab run experiments/size_ratio_sweep.lua            # ~1 min
--   lsmlab run experiments/size_ratio_sweep.lua --quick    # a few seconds
local lsmlab = require "lsmlab"

local opt = lsmlab.options{
  "WA and SA vs size ratio T, leveling (leveled) and tiering (tiered with\n" ..
  "min_threshold = max_threshold = T): load N records in random key order\n" ..
  "(YCSB load, 16-24 B keys, 100 B values), then N uniform overwrites; mem device.",
  {"quick", false, "a run of a few seconds (smaller data set, fewer ratios)"},
  {"records", 200000, "records loaded (quick: 20000)"},
  {"ratios", {2, 3, 4, 6, 8, 10, 12, 16}, "size ratios T (quick: 2, 4, 8, 16)",
    items = "int"},
  {"value_size", 100, "value bytes", type = "bytes"},
  {"seed", 301, "seed of every random choice"},
  {"out", "results/size_ratio_sweep", "output directory"},
  {"svg", false, "render the figure as SVG instead of PNG"},
}

local records = opt.quick and 20000 or opt.records
local ratios = opt.quick and {2, 4, 8, 16} or opt.ratios
local wbs = opt.quick and 64 * 1024 or 256 * 1024

local res = lsmlab.results{
  name = "size_ratio_sweep", dir = opt.out, seed = opt.seed,
  title = ("WA and SA vs size ratio T: %d records loaded in random order (%d B values), " ..
    "then %d uniform overwrites; write buffer %d KiB, mem device"):format(records,
    opt.value_size, records, wbs // 1024),
  columns = {
    {"mode", "", "leveling (strategy leveled) or tiering (strategy tiered)"},
    {"T", "", "size ratio"},
    {"wa", "x", "write amplification: device bytes written (WAL included) / user bytes"},
    {"wa_no_wal", "x", "WA without WAL bytes: flush + compaction writes / user bytes"},
    {"closed_wa", "x", "closed form + 1 for the flush: leveling (T-1)L/2 + 1, tiering " ..
      "(T-1)L/T + 1, L = ceil(log_T(N*E/M + 1))"},
    {"L", "", "levels of the closed form"},
    {"sa", "x", "space amplification at the end: device live / logical live bytes"},
    {"sa_peak", "x", "peak device live bytes / peak logical live bytes"},
    {"levels", "", "non-empty levels (leveled) or sorted runs (tiered) at the end"},
  },
}

local entry_bytes -- E: measured mean key + value bytes
local function closed(mode, T)
  local L = math.ceil(math.log(records * entry_bytes / wbs + 1) / math.log(T))
  return mode == "leveling" and (T - 1) * L / 2 + 1 or (T - 1) * L / T + 1, L
end

for _, mode in ipairs{"leveling", "tiering"} do
  for _, T in ipairs(ratios) do
    local cfg = {device = "mem", write_buffer_size = wbs, seed = opt.seed}
    if mode == "leveling" then
      cfg.strategy = "leveled"
      cfg.max_bytes_for_level_multiplier = T
      cfg.max_bytes_for_level_base = T * wbs
      cfg.target_file_size_base = wbs
      cfg.num_levels = 16
    else
      cfg.strategy = "tiered"
      cfg.min_threshold, cfg.max_threshold = T, T
      cfg.min_sstable_size = wbs
    end
    io.stderr:write(("size_ratio_sweep: %s T=%d ...\n"):format(mode, T))
    local db <close> = lsmlab.open("lsm", cfg)
    res:config(("%s T=%d"):format(mode, T), db)
    local p = {recordcount = records, operationcount = records, fieldcount = 1,
      fieldlength = opt.value_size, read_proportion = 0, update_proportion = 1,
      distribution = "uniform", seed = opt.seed, progress = false}
    local load = assert(db:load("ycsb-a", p))
    assert(db:run("ycsb-a", p))
    entry_bytes = entry_bytes or load.user_bytes / load.ops
    local s = db:stats()
    local n = 0
    for _, l in ipairs(s.lsm.levels) do
      if mode == "leveling" then n = n + ((l.level > 0 and l.bytes > 0) and 1 or 0)
      else n = n + l.runs end
    end
    local cw, L = closed(mode, T)
    res:add{mode = mode, T = T, wa = s.wa, wa_no_wal = s.wa_no_wal, closed_wa = cw, L = L,
      sa = s.sa, sa_peak = s.sa_peak, levels = n}
  end
end

res:write_csv("summary.csv")
res:write_json("summary.json")
-- the closed forms as gnuplot functions of x = T
local K = records * entry_bytes / wbs + 1
local Lx = ("ceil(log(%.6g)/log(x))"):format(K)
local image = lsmlab.plot{
  data = res, name = "size_ratio_sweep", x = "T", svg = opt.svg, layout = {1, 2},
  size = {1200, 520},
  title = ("Size ratio sweep: %d random inserts + %d overwrites, %d KiB write buffer " ..
    "(dashed: closed forms)"):format(records, records, wbs // 1024),
  panels = {
    {title = "Write amplification without WAL", xlabel = "size ratio T",
      ylabel = "device / user bytes written", xrange = {1.5, ratios[#ratios] + 0.5},
      key = "top left Left reverse",
      series = {
        {y = "wa_no_wal", where = {mode = "leveling"}, title = "leveling, measured"},
        {y = "wa_no_wal", where = {mode = "tiering"}, title = "tiering, measured"},
        {fn = ("(x-1)*%s/2+1"):format(Lx), title = "leveling closed form (T-1)L/2 + 1",
          color = 1},
        {fn = ("(x-1)*%s/x+1"):format(Lx), title = "tiering closed form (T-1)L/T + 1",
          color = 2},
      }},
    {title = "Space amplification", xlabel = "size ratio T",
      ylabel = "device / logical live bytes", xrange = {1.5, ratios[#ratios] + 0.5},
      key = "bottom right",
      series = {
        {y = "sa", where = {mode = "leveling"}, title = "leveling, end"},
        {y = "sa", where = {mode = "tiering"}, title = "tiering, end"},
        {y = "sa_peak", where = {mode = "leveling"}, title = "leveling, peak"},
        {y = "sa_peak", where = {mode = "tiering"}, title = "tiering, peak"},
        {fn = "1+1/x", title = "leveling closed form 1 + 1/T", color = 1},
      }},
  },
}

res:write_summary{
  heading = "WA and SA vs size ratio",
  text = {
    "Mapping of T: leveling = `leveled` with max_bytes_for_level_multiplier = T and",
    "max_bytes_for_level_base = T x write buffer; tiering = `tiered` (STCS) with",
    "min_threshold = max_threshold = T (T similar runs merge into one run T times larger).",
    ("Closed forms (REFERENCE.md, \"Closed-form costs\"): leveling (T-1)L/2, tiering " ..
      "(T-1)L/T rewrites per entry, plus 1 for the flush; L = ceil(log_T(N*E/M + 1)) with " ..
      "N = %d, E = %.1f B (measured mean key + value), M = %d B. They are closed forms, " ..
      "not fits: they count full merges and ignore the WAL, L0 and partial " ..
      "compactions."):format(records, entry_bytes, wbs),
    "Columns: results/README.md; how to read the figure: docs/experiments.md.",
  },
  figures = {{"size_ratio_sweep", image}},
}
