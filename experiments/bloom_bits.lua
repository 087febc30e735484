#!/usr/bin/env lsmlab
-- experiments/bloom_bits.lua - Bloom filter false-positive rate and the cost of
-- a zero-result lookup (a get of an absent key) vs bloom_bits_per_key, the
-- measured points beside the formula line. Writes results/bloom_bits/
-- (summary.md, summary.csv, summary.json, bloom_bits.png).
--
-- What it measures: for each bits-per-key value b a fresh LSM store (leveled,
-- no block cache, modeled SSD) is loaded with N keys in random order, then
-- `lookups` distinct absent keys are read. Each absent key sorts between two
-- present keys, so no file is skipped by its key range: every file whose range
-- covers the key consults its filter. Measured: the false-positive rate
-- (filter said "maybe" / filter checks, the engine's read counters), device
-- reads and bytes per zero-result get, and the mean zero-result get latency in
-- device time.
--
-- Expected (REFERENCE.md, "Closed-form costs"): a filter of m = n*b bits and
-- k = round(b ln 2) probes has the false-positive rate p = (1 - e^(-k n/m))^k =
-- (1 - e^(-k/b))^k, close to the optimal-k form e^(-b (ln 2)^2) (10 bits/key:
-- 0.82 %). Since index and filter blocks stay in memory, a zero-result lookup
-- reads one data block per false positive: device reads per get = (files
-- probed per get) x p, i.e. L x p for leveling. Without a filter (b = 0) every
-- probed file costs a data block read.
--
-- Reading the figure: left, the false-positive rate on a log scale: measured
-- points on the dashed formula line (the second dashed line is REFERENCE.md's e^(-b
-- (ln 2)^2)). The middle panel: device reads per zero-result get, measured vs
-- the prediction files-probed x formula; each 4-5 bits per key divide it by
-- about 10. Right: the price, the memory of the pinned index and filter
-- blocks, which grows by b/8 bytes per key.
--
--   lsmlab run experiments/bloom_bits.lua            # ~1 min
--   lsmlab run experiments/bloom_bits.lua --quick    # a few seconds
local lsmlab = require "lsmlab"

local opt = lsmlab.options{
  "Bloom filter bits per key: false-positive rate and zero-result lookup cost.\n" ..
  "Per bits value: load N keys (16 B, even numbers, random order; 100 B values) into\n" ..
  "a leveled LSM on the modeled SSD without block cache, then read `lookups` distinct\n" ..
  "absent keys (odd numbers, between present keys).",
  {"quick", false, "a run of a few seconds (smaller data set, fewer bits values)"},
  {"records", 500000, "keys loaded (quick: 20000)"},
  {"lookups", 500000, "distinct absent keys read (at most records; quick: 20000)"},
  {"bits", {"0", "1", "2", "3", "4", "5", "6", "8", "10", "12", "14", "16", "20"},
    "bloom_bits_per_key values (quick: 0,1,2,4,6,8,10,12,16)", items = "int"},
  {"value_size", 100, "value bytes", type = "bytes"},
  {"seed", 301, "seed of every random choice"},
  {"out", "results/bloom_bits", "output directory"},
  {"svg", false, "render the figure as SVG instead of PNG"},
}

local records = opt.quick and 20000 or opt.records
local lookups = math.min(records, opt.quick and 20000 or opt.lookups)
local bits_list = opt.bits
if opt.quick then bits_list = {0, 1, 2, 4, 6, 8, 10, 12, 16} end
local wbs = opt.quick and "64KiB" or "1MiB"
local base = opt.quick and "256KiB" or "4MiB"
local file = opt.quick and "64KiB" or "1MiB"

-- the filter's probe count, as core/lsm/bloom.c computes it: round(b ln 2) in 1..30
local function probes(b)
  return math.min(30, math.max(1, (b * 693147 + 500000) // 1000000))
end
local function fpr_formula(b)
  local k = probes(b)
  return (1 - math.exp(-k / b)) ^ k
end

-- a bijection of [0, n): i -> (i * a + c) mod n with gcd(a, n) = 1
local function permutation(n, seed)
  local rng = lsmlab.rng(seed)
  local a = rng:random(n // 3, n - 1)
  local function gcd(x, y)
    while y ~= 0 do x, y = y, x % y end
    return x
  end
  while gcd(a, n) ~= 1 do a = a + 1 end
  local c = rng:random(0, n - 1)
  return function(i) return (i * a + c) % n end
end

local res = lsmlab.results{
  name = "bloom_bits", dir = opt.out, seed = opt.seed,
  title = ("%d keys loaded in random order (16 B keys, %d B values), then %d distinct " ..
    "absent-key gets; leveled LSM, no block cache, modeled SSD"):format(records,
    opt.value_size, lookups),
  notes = "fpr_measured is bloom_false_positives / bloom_checks of the absent-key gets; " ..
    "a check is one filter consulted for one get.",
  columns = {
    {"bits", "", "bloom_bits_per_key (0: no filter)"},
    {"k", "", "probes per key, round(bits x ln 2) (core/lsm/bloom.c)"},
    {"fpr_measured", "x", "measured false-positive rate: filter 'maybe' answers / filter " ..
      "checks, absent keys only"},
    {"fpr_formula", "x", "(1 - e^(-k/b))^k, the false-positive rate of m = n x b bits " ..
      "and k probes"},
    {"fpr_ref", "x", "e^(-b (ln 2)^2), REFERENCE.md's optimal-k approximation"},
    {"fpr_se", "x", "binomial standard error of fpr_measured at the formula's rate: " ..
      "sqrt(p (1 - p) / checks)"},
    {"checks", "", "filter checks during the absent-key gets"},
    {"files_probed", "per_get", "files consulted (filter or, without one, index and " ..
      "data block) per absent-key get"},
    {"zero", "ios_per_get", "measured device reads per zero-result get"},
    {"zero_predicted", "ios_per_get", "files_probed x fpr_formula (files_probed " ..
      "without a filter)"},
    {"zero", "bytes_per_get", "measured device bytes read per zero-result get"},
    {"zero_lat", "us", "mean zero-result get latency in device time (modeled SSD)"},
    {"index_filter", "kib", "memory of the pinned index and filter blocks at the end"},
    {"load", "kops_per_s", "load throughput in device time"},
  },
}

local value
for _, b in ipairs(bits_list) do
  local cfg = {device = "ssd", preset = "client", strategy = "leveled",
    write_buffer_size = wbs, max_bytes_for_level_base = base, target_file_size_base = file,
    block_cache_size = 0, bloom_bits_per_key = b, seed = opt.seed}
  io.stderr:write(("bloom_bits: %d bits per key ...\n"):format(b))
  local db <close> = lsmlab.open("lsm", cfg)
  res:config(("bits=%d"):format(b), db)
  value = value or lsmlab.rng(opt.seed):bytes(opt.value_size)
  -- present keys: the even numbers 0, 2, .., 2(N-1), in a random order
  local put_order = permutation(records, opt.seed + 1)
  local i = 0
  local load = db:run(function(d)
    assert(d:put(("%016d"):format(2 * put_order(i)), value))
    i = i + 1
  end, {ops = records, phase = "load"})
  local s0 = db:stats()
  -- absent keys: distinct odd numbers, each between two present keys
  local get_order = permutation(records, opt.seed + 2)
  local j = 0
  local gets = db:run(function(d)
    local v, err = d:get(("%016d"):format(2 * get_order(j) + 1))
    assert(v == nil and err == nil, "an absent key was found")
    j = j + 1
  end, {ops = lookups, phase = "absent gets"})
  local s1 = db:stats()
  local r0, r1 = s0.lsm.read, s1.lsm.read
  local checks = r1.bloom_checks - r0.bloom_checks
  local fp = r1.bloom_false_positives - r0.bloom_false_positives
  local probed = (r1.files_probed - r0.files_probed) / lookups
  local p = b > 0 and fpr_formula(b) or nil
  res:add{
    bits = b, k = b > 0 and probes(b) or nil,
    fpr_measured = checks > 0 and fp / checks or nil, fpr_formula = p,
    fpr_ref = b > 0 and math.exp(-b * math.log(2) ^ 2) or nil,
    fpr_se = (p and checks > 0) and math.sqrt(p * (1 - p) / checks) or nil,
    checks = checks, files_probed = probed,
    zero_ios_per_get = s1.ra_notfound_ios, zero_predicted = p and probed * p or probed,
    zero_bytes_per_get = s1.ra_notfound_bytes,
    zero_lat = gets.device_ns / lookups / 1e3,
    index_filter = s1.engine_report.mem_table_index_filter_bytes / 1024,
    load = load.device_ops_per_sec / 1e3,
  }
end

res:write_csv("summary.csv")
res:write_json("summary.json")
local maxb = 0
for _, r in ipairs(res.rows) do maxb = math.max(maxb, r.bits) end
local kx = "floor(x*log(2)+0.5)"
local image = lsmlab.plot{
  data = res, name = "bloom_bits", x = "bits", svg = opt.svg, layout = {1, 3},
  size = {1500, 520},
  title = ("Bloom filter bits per key: %d keys, %d absent-key gets, leveled LSM " ..
    "without block cache on the modeled SSD"):format(records, lookups),
  panels = {
    {title = "False-positive rate (log scale)", xlabel = "bloom bits per key b",
      ylabel = "false positives / filter checks", logy = true, xrange = {0, maxb + 1},
      format_y = "%g",
      key = "bottom left Left reverse",
      series = {
        {y = "fpr_measured", title = "measured", style = "points"},
        {fn = ("(1-exp(-%s/x))**%s"):format(kx, kx),
          title = "formula (1 - exp(-k/b))^k, k = round(b ln 2)"},
        {fn = "exp(-x*log(2)**2)", title = "exp(-b ln(2)^2) (REFERENCE.md)"},
      }},
    {title = "Zero-result get: device reads per get (log scale)",
      xlabel = "bloom bits per key b", ylabel = "device reads per absent-key get",
      logy = true, xrange = {-0.5, maxb + 1}, key = "bottom left Left reverse", format_y = "%g",
      series = {
        {y = "zero_ios_per_get", title = "measured", style = "points"},
        {y = "zero_predicted", title = "files probed per get x formula", style = "lines"},
      }},
    {title = "Memory: pinned index + filter blocks", xlabel = "bloom bits per key b",
      ylabel = "KiB", xrange = {-0.5, maxb + 1}, key = "top left Left reverse",
      series = {{y = "index_filter", title = "index + filter blocks"}}},
  },
}

res:write_summary{
  heading = "Bloom filter bits per key",
  text = {
    "fpr_measured counts, over the absent-key gets only, the filter checks that answered",
    "\"maybe\"; fpr_formula is (1 - e^(-k/b))^k with the engine's k = round(b ln 2);",
    "fpr_se the binomial standard error at that rate. zero_predicted = files probed per",
    "get x fpr_formula (index and filter blocks are pinned, so a false positive costs one",
    "data block read). Columns: results/README.md; reading the figure:",
    "docs/experiments.md.",
  },
  columns = {"bits", "k", "fpr_measured", "fpr_formula", "fpr_se", "checks", "files_probed",
    "zero_ios_per_get", "zero_predicted", "zero_lat", "index_filter"},
  figures = {{"bloom_bits", image}},
}
