#!/usr/bin/env lsmlab
-- experiments/compaction_strategies.lua - the LSM literature's write / space /
-- read trade-off table reproduced with measured numbers: every compaction
-- strategy (leveled, tiered, universal, twcs, fifo) on the same write-heavy
-- workload, then point reads of present and absent keys; the folk values and
-- closed forms of /work/shared/REFERENCE.md ("Closed-form costs") beside them.
-- Writes results/compaction_strategies/ (summary.md, summary.csv, figure).
--
-- Expected (REFERENCE.md): leveled has the highest WA ((T-1)L/2 + 1; folk
-- 8-15 for LCS) and the lowest SA (1 + 1/T, ~10 % for LCS) and reads; tiered
-- (STCS) and universal write less (folk 2-4) but keep more runs, so SA (up to
-- ~2x, universal up to 3x, plus transient) and zero-result reads (L(T-1)p vs
-- Lp) are higher; FIFO writes each byte about once and never merges, so it
-- keeps every version (SA grows with the overwrites) and a get probes every
-- run; TWCS without a TTL keeps all data in one window and behaves like STCS.
--
-- Reading the figure: one bar group per strategy in four panels: WA measured
-- beside the closed form + 1 (leveled and tiered only), SA after the writes and
-- at its peak, device reads per get of a present and of an absent key (log
-- scale), and sorted runs (log scale) in the tree and probed per get. Lower is
-- better everywhere; the trade-off shows as no strategy being lowest in all four.
--
--   lsmlab run experiments/compaction_strategies.lua            # ~1 min
--   lsmlab run experiments/compaction_strategies.lua --quick    # a few seconds
local lsmlab = require "lsmlab"

local opt = lsmlab.options{
  "Compaction strategies side by side: a sequential fill of N records, N x\n" ..
  "overwrite_factor uniform overwrites (db_bench 'overwrite'), then N/2 uniform gets of\n" ..
  "present keys and N/2 gets of absent keys inside the key range; no block cache, so\n" ..
  "every data block a get needs is a device read. Device: mem (deterministic).",
  {"quick", false, "a run of a few seconds (smaller data set)"},
  {"records", 200000, "records loaded (quick: 20000)"},
  {"overwrite_factor", 3, "overwrites per record"},
  {"value_size", 100, "value bytes", type = "bytes"},
  {"strategies", lsmlab.list().strategies, "strategies to compare (every registered " ..
    "one)", choices = lsmlab.list().strategies},
  {"seed", 301, "seed of every random choice"},
  {"out", "results/compaction_strategies", "output directory"},
  {"svg", false, "render the figure as SVG instead of PNG"},
}

local records = opt.quick and 20000 or opt.records
local overwrites = records * opt.overwrite_factor
local gets = records // 2
local wbs = opt.quick and 64 * 1024 or 512 * 1024
local file = wbs
local T_level, T_tier = 10, 4

-- per strategy: its options (reference-system defaults, sizes scaled to the data),
-- the folk values and the closed-form write cost of REFERENCE.md, and a note
local entry = 16 + opt.value_size
local function levels(T) -- L = ceil(log_T(N*E/M + 1))
  return math.ceil(math.log(records * entry / wbs + 1) / math.log(T))
end
local function bloom_p(h) return math.exp(-h * math.log(2) ^ 2) end
local strategies = {
  leveled = {cfg = {max_bytes_for_level_base = 4 * wbs, target_file_size_base = file,
      max_bytes_for_level_multiplier = T_level},
    folk_wa = "8-15 (LCS)", folk_sa = "1+1/T = 1.11 (LCS ~10 %)",
    closed_wa = (T_level - 1) * levels(T_level) / 2,
    closed_zero = levels(T_level) * bloom_p(10),
    note = ("T = %d, L = %d: WA (T-1)L/2, zero-result I/Os L*p"):format(T_level,
      levels(T_level))},
  tiered = {cfg = {min_sstable_size = file, min_threshold = T_tier},
    folk_wa = "2-4 (STCS)", folk_sa = "up to ~2 + transient (STCS +50 %)",
    closed_wa = (T_tier - 1) * levels(T_tier) / T_tier,
    closed_zero = levels(T_tier) * (T_tier - 1) * bloom_p(10),
    note = ("T = min_threshold = %d, L = %d: WA (T-1)L/T, zero-result I/Os L(T-1)p"):format(
      T_tier, levels(T_tier))},
  universal = {cfg = {target_file_size_base = file},
    folk_wa = "2-4 (tiered)", folk_sa = "up to 3 (+2x transient)",
    note = "size_ratio 1 %, max_size_amplification_percent 200"},
  twcs = {cfg = {min_sstable_size = file, compaction_window_unit = "DAYS"},
    folk_wa = "~STCS in one window", folk_sa = "~STCS",
    note = "no TTL, all data in one 1-day window: STCS rules (twcs_ttl.lua for its case)"},
  fifo = {cfg = {max_table_files_size = "1TiB"},
    folk_wa = "~1 (compaction WA ~0)", folk_sa = "all versions kept",
    note = "size cap above the data: nothing dropped, nothing merged"},
}

local res = lsmlab.results{
  name = "compaction_strategies", dir = opt.out, seed = opt.seed,
  title = ("%d records (16 B keys, %d B values), %d uniform overwrites, %d gets of " ..
    "present and %d of absent keys; mem device, no block cache"):format(records,
    opt.value_size, overwrites, gets, gets),
  columns = {
    {"strategy", "", "compaction strategy"},
    {"wa", "x", "write amplification: device bytes written (WAL included) / user bytes"},
    {"wa_no_wal", "x", "write amplification without WAL bytes (flush + compaction)"},
    {"closed_wa", "x", "closed-form write cost per entry, + 1 for the flush (REFERENCE.md; " ..
      "leveled and tiered only)"},
    {"folk_wa", "", "WA from the LSM literature (REFERENCE.md)"},
    {"sa", "x", "space amplification after the writes: device live / logical live bytes"},
    {"sa_peak", "x", "peak device live bytes / peak logical live bytes"},
    {"folk_sa", "", "SA from the LSM literature (REFERENCE.md)"},
    {"runs", "", "sorted runs (L0 files count one each) after the writes"},
    {"found", "ios_per_get", "device reads per get of a present key"},
    {"zero", "ios_per_get", "device reads per get of an absent key (zero-result lookup)"},
    {"closed_zero", "ios_per_get", "closed-form zero-result lookup cost with 10 bloom " ..
      "bits/key (REFERENCE.md; leveled and tiered only)"},
    {"runs_probed", "per_get", "sorted runs whose filter or index a get consulted, " ..
      "all gets"},
    {"write", "kops_per_s", "throughput of the overwrite phase in device time"},
    {"note", "", "configuration note"},
  },
}

local function count_runs(s)
  local n = 0
  for _, l in ipairs(s.lsm and s.lsm.levels or {}) do n = n + (l.runs or 0) end
  return n
end

for _, name in ipairs(opt.strategies) do
  -- a strategy registered later runs with its own defaults
  local st = strategies[name] or {cfg = {}, folk_wa = "", folk_sa = "",
    note = "registry defaults"}
  local cfg = {strategy = name, device = "mem", write_buffer_size = wbs,
    block_cache_size = 0, seed = opt.seed}
  for k, v in pairs(st.cfg) do cfg[k] = v end
  io.stderr:write(("compaction_strategies: %s ...\n"):format(name))
  local db <close> = lsmlab.open("lsm", cfg)
  res:config(name, db)
  local p = {recordcount = records, operationcount = overwrites, value_size = opt.value_size,
    seed = opt.seed, progress = false}
  assert(db:load("overwrite", p))
  local run = assert(db:run("overwrite", p))
  local w = db:stats()
  -- present keys through the runner, absent keys ("<key>x" sorts between two
  -- present keys, so only the filters can rule a run out) through db:get
  assert(db:run({read = 1.0, distribution = "uniform"}, {recordcount = records,
    operationcount = gets, seed = opt.seed + 1, progress = false}))
  local rng = lsmlab.rng(opt.seed + 2)
  for _ = 1, gets do
    local k = ("%016dx"):format(rng:random(0, records - 1))
    local v, err = db:get(k)
    assert(v == nil and err == nil, err or "an absent key was found")
  end
  local r = db:stats()
  res:add{
    strategy = name, wa = w.wa, wa_no_wal = w.wa_no_wal,
    closed_wa = st.closed_wa and st.closed_wa + 1, folk_wa = st.folk_wa,
    sa = w.sa, sa_peak = w.sa_peak, folk_sa = st.folk_sa, runs = count_runs(w),
    found = r.ra_found_ios, zero = r.ra_notfound_ios, closed_zero = st.closed_zero,
    runs_probed = r.lsm.read.runs_probed / r.lsm.read.gets,
    write = run.device_ops_per_sec / 1e3, note = st.note,
  }
end

res:write_csv("summary.csv")
res:write_json("summary.json")
local image = lsmlab.plot{
  data = res, name = "compaction_strategies", x = "strategy", svg = opt.svg, layout = {2, 2},
  title = ("Compaction strategies: %d records, %d uniform overwrites, then gets " ..
    "(mem device, no block cache)"):format(records, overwrites),
  panels = {
    {title = "Write amplification (lower is better)", ylabel = "device / user bytes written",
      style = "bars", key = "top right",
      series = {{y = "wa", title = "measured"}, {y = "closed_wa", title = "closed form + 1"}}},
    {title = "Space amplification (lower is better)", ylabel = "device / logical live bytes",
      style = "bars", key = "top left",
      series = {{y = "sa", title = "after the writes"}, {y = "sa_peak", title = "peak"}}},
    {title = "Device reads per get (lower is better; log scale)",
      ylabel = "device reads per get", style = "bars", key = "top left", logy = true,
      series = {{y = "found", title = "present key"}, {y = "zero", title = "absent key"}}},
    {title = "Sorted runs (lower is better; log scale)",
      ylabel = "runs", style = "bars", key = "top left", logy = true,
      series = {{y = "runs_probed", title = "probed per get"},
        {y = "runs", title = "in the tree after the writes"}}},
  },
}

local notes = {"Notes:", ""}
for _, row in ipairs(res.rows) do
  notes[#notes + 1] = ("- %s: %s"):format(row.strategy, row.note)
end
res:write_summary{
  heading = "Compaction strategies: the write / space / read trade-off",
  text = {
    "Measured values next to the LSM literature's folk values and the closed forms of",
    "REFERENCE.md (\"Closed-form costs\"; L = ceil(log_T(N*E/M + 1)), E = key + value",
    "bytes, M = write buffer; the closed WA adds 1 for the flush). The WAL adds about 1",
    "to every measured WA (wa_no_wal leaves it out). Columns: results/README.md; how to",
    "read the figure: docs/experiments.md.",
  },
  columns = {"strategy", "wa", "wa_no_wal", "closed_wa", "folk_wa", "sa", "sa_peak", "folk_sa",
    "runs", "found", "zero", "closed_zero", "runs_probed", "write"},
  after = notes,
  figures = {{"compaction_strategies", image}},
}
