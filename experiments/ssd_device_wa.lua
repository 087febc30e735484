#!/usr/bin/env lsmlab
-- experiments/ssd_device_wa.lua - device write amplification (NAND bytes
-- programmed / host bytes written) and end-to-end WA (engine WA x device WA)
-- of the LSM engine and the B+ tree vs the SSD's over-provisioning, on the
-- modeled SSD. Writes results/ssd_device_wa/ (summary.md, summary.csv,
-- summary.json, ssd_device_wa.png).
--
-- What it measures: for each OP value a fresh modeled SSD with the same
-- logical (host-visible) capacity C — the physical blocks grow with OP, OP =
-- (physical - logical) / logical as in docs/ssd.md — holding the same data:
-- `fill` x C bytes of records (YCSB keys, 100 B values) loaded in random
-- order, then `ops_factor` x records uniform overwrites. Engines: the LSM
-- (leveled, TRIM of deleted files on), the B+ tree (4 KiB pages updated in
-- place through shadow slots; free slots are never trimmed), and the LSM
-- with the SSD's discard off (deleted files are not trimmed: the "discard
-- off" pitfall).
--
-- Expected (REFERENCE.md, "Modeled SSD"): a page-mapped FTL under uniform
-- random single-page overwrites of a full device has device WA A = alpha /
-- (alpha + W0(-alpha e^-alpha)) (FIFO; greedy with N_p pages per block:
-- A(k alpha)/k, k = 1 + 1/(2 N_p)), alpha = 1 + OP: 7.0 at OP 7 %, 2.4 at 28 %
-- (N_p = 64). Space the host never wrote or trimmed counts as spare, so a
-- store filling a fraction of the drive sees alpha_eff = physical / live
-- bytes. The LSM writes whole files sequentially and deletes (trims) them
-- whole, so GC finds blocks with nothing valid left: device WA stays ~1 at
-- every OP and its end-to-end WA is its own WA (the reason LSMs are called
-- flash-friendly). The B+ tree's scattered page writes leave partly valid
-- blocks: its device WA follows the formula at its alpha_eff and multiplies
-- an engine WA that is already large (a page per small update). With discard
-- off the LSM's deleted files stay valid to the FTL and its device WA climbs
-- as OP shrinks.
--
-- Reading the figure: left, device WA vs OP (log x): one line per engine, the
-- dashed curve is the greedy formula for a full drive (an upper bound for the
-- measured lines), the dotted one the formula at the B+ tree's alpha_eff.
-- Right, end-to-end WA vs OP: device bytes programmed per user byte.
--
--   lsmlab run experiments/ssd_device_wa.lua            # ~2 min
--   lsmlab run experiments/ssd_device_wa.lua --quick    # a few seconds
local lsmlab = require "lsmlab"

local opt = lsmlab.options{
  "Device WA and end-to-end WA of the LSM and the B+ tree vs SSD over-provisioning:\n" ..
  "per OP a modeled SSD with the same logical capacity, fill x capacity of records\n" ..
  "loaded, then ops_factor x records uniform overwrites.",
  {"quick", false, "a run of a few seconds (16 MiB drive, fewer OP values)"},
  {"capacity", "128MiB", "logical capacity of the drive (quick: 16MiB)", type = "bytes"},
  {"fill", 0.2, "user data (records x (key + value)) / logical capacity"},
  {"ops_factor", 2, "uniform overwrites per record (quick: 1)"},
  {"ops", {"0.07", "0.10", "0.15", "0.28", "0.50", "1.00"},
    "over-provisioning values (quick: 0.07,0.28,1.00)", items = "number"},
  {"pages_per_block", 64, "pages per erase block, N_p (quick: 32)"},
  {"engines", {"lsm", "btree", "lsm-nodiscard"}, "engines (lsm-nodiscard: the LSM with " ..
    "the SSD's discard off)", choices = {"lsm", "btree", "lsm-nodiscard"}},
  {"seed", 301, "seed of every random choice"},
  {"out", "results/ssd_device_wa", "output directory"},
  {"svg", false, "render the figure as SVG instead of PNG"},
}

local MiB = 1024 * 1024
local C = opt.quick and 16 * MiB or opt.capacity
local ops_factor = opt.quick and 1 or opt.ops_factor
local op_list = opt.quick and {0.07, 0.28, 1.00} or opt.ops
local Np = opt.quick and 32 or opt.pages_per_block
local page = 4096
local lanes = 2 -- 2 channels x 1 die x 1 plane
local entry = 24 + 100 -- YCSB key ("user" + up to 20 digits) + value, about
local records = math.floor(C * opt.fill / entry)

-- steady-state device WA of uniform random single-page overwrites (REFERENCE.md):
-- FIFO: A = 1 / (1 - v), v = e^(-alpha (1 - v)); greedy: A_fifo(k alpha) / k
local function wa_fifo(alpha)
  if alpha <= 1 then return math.huge end
  local v = 0
  for _ = 1, 1000000 do
    local nv = math.exp(-alpha * (1 - v))
    if math.abs(nv - v) < 1e-14 then v = nv break end
    v = nv
  end
  return 1 / (1 - v)
end
local K = 1 + 1 / (2 * Np)
-- (at least 1: the k correction is meant for a nearly full drive)
local function wa_greedy(alpha) return math.max(1, wa_fifo(K * alpha) / K) end

local variants = {
  lsm = {engine = "lsm", title = "LSM (leveled, TRIM on)"},
  btree = {engine = "btree", title = "B+ tree"},
  ["lsm-nodiscard"] = {engine = "lsm", title = "LSM, SSD discard off", discard = false},
}

local res = lsmlab.results{
  name = "ssd_device_wa", dir = opt.out, seed = opt.seed,
  title = ("device WA and end-to-end WA vs OP: %d records (%.0f %% of a %d MiB logical " ..
    "drive), then %d uniform overwrites; modeled SSD, %d pages of 4 KiB per block"):format(
    records, opt.fill * 100, C // MiB, math.floor(records * ops_factor), Np),
  columns = {
    {"engine", "", "lsm (leveled), btree, or lsm-nodiscard (the SSD's discard = false)"},
    {"op", "", "over-provisioning (physical - logical) / logical, as configured"},
    {"logical", "mib", "logical capacity the drive reports"},
    {"physical", "mib", "physical capacity (blocks x pages x 4 KiB)"},
    {"wa", "x", "engine WA: device (host) bytes written, WAL included / user bytes written"},
    {"device_wa", "x", "device WA: NAND bytes programmed / host bytes written"},
    {"e2e_wa", "x", "end-to-end WA: wa x device_wa (NAND bytes per user byte)"},
    {"model_full", "x", "greedy formula at alpha = 1 + op: uniform random 4 KiB " ..
      "overwrites of a full drive (REFERENCE.md; at least 1)"},
    {"alpha_eff", "x", "physical bytes / device live bytes at the end (space never " ..
      "written or trimmed is spare to the FTL; empty with discard off)"},
    {"model_eff", "x", "greedy formula at alpha_eff (at least 1)"},
    {"gc_copies", "", "units copied by garbage collection"},
    {"host_writes", "drives", "host bytes written / logical capacity"},
    {"run", "kops_per_s", "overwrite phase throughput in device time"},
    {"note", "", "empty, or why the run stopped"},
  },
}

for _, op in ipairs(op_list) do
  for _, name in ipairs(opt.engines) do
    local v = variants[name]
    -- the same logical capacity at every OP: physical blocks grow with OP
    local blocks = math.ceil(C / (Np * page) * (1 + op) / lanes)
    local cfg = {device = "ssd", preset = "tiny", channels = 2, dies_per_channel = 1,
      planes_per_die = 1, blocks_per_plane = blocks, pages_per_block = Np, page_size = page,
      op = op, discard = v.discard ~= false, seed = opt.seed}
    if v.engine == "lsm" then
      cfg.write_buffer_size = C // 64
      cfg.max_bytes_for_level_base = C // 16
      cfg.target_file_size_base = C // 64
      cfg.block_cache_size = C // 64
    else
      cfg.page_cache_size = C // 64
      cfg.checkpoint_bytes = C // 8
    end
    io.stderr:write(("ssd_device_wa: %s, OP %g ...\n"):format(name, op))
    local db <close> = assert(lsmlab.open(v.engine, cfg))
    res:config(("%s op=%g"):format(name, op), db)
    local p = {recordcount = records, operationcount = math.floor(records * ops_factor),
      fieldcount = 1, fieldlength = 100, read_proportion = 0, update_proportion = 1,
      distribution = "uniform", seed = opt.seed, progress = false}
    local note = ""
    local load, lerr = db:load("ycsb-a", p)
    local run, rerr
    if load then run, rerr = db:run("ycsb-a", p) end
    if not run then
      note = tostring(lerr or rerr)
      io.stderr:write(("ssd_device_wa: %s OP %g: %s\n"):format(name, op, note))
    end
    local s = db:stats()
    local d = s.device_report
    -- with discard off, deleted files stay valid to the FTL: no alpha_eff from live bytes
    local alpha_eff = v.discard ~= false and d.physical_bytes / s.device_live_bytes or nil
    res:add{
      engine = name, op = op, logical = d.logical_bytes / MiB,
      physical = d.physical_bytes / MiB, wa = s.wa, device_wa = d.device_wa,
      e2e_wa = s.wa * d.device_wa, model_full = wa_greedy(1 + op), alpha_eff = alpha_eff,
      model_eff = alpha_eff and wa_greedy(alpha_eff), gc_copies = d.gc_copies,
      host_writes = d.host_bytes_written / d.logical_bytes,
      run = run and run.device_ops_per_sec / 1e3, note = note,
    }
  end
end

res:write_csv("summary.csv")
res:write_json("summary.json")

local dev_series, e2e_series = {}, {}
for _, name in ipairs(opt.engines) do
  local title = variants[name].title
  dev_series[#dev_series + 1] = {y = "device_wa", where = {engine = name}, title = title}
  e2e_series[#e2e_series + 1] = {y = "e2e_wa", where = {engine = name}, title = title}
end
local a = ("(%.10g*(1+x))"):format(K)
dev_series[#dev_series + 1] = {fn = ("%s/(%s+real(lambertw(-%s*exp(-%s))))/%.10g"):format(
  a, a, a, a, K), title = ("formula, full drive (greedy, N_p = %d)"):format(Np)}
for _, name in ipairs(opt.engines) do
  if name == "btree" then
    dev_series[#dev_series + 1] = {y = "model_eff", where = {engine = "btree"},
      title = "formula at the B+ tree's alpha_eff", style = "lines", color = 8}
  end
end
local xmin, xmax = math.huge, 0
for _, r in ipairs(res.rows) do
  xmin, xmax = math.min(xmin, r.op), math.max(xmax, r.op)
end
local image = lsmlab.plot{
  data = res, name = "ssd_device_wa", x = "op", svg = opt.svg, layout = {1, 2},
  size = {1300, 540},
  title = ("Device and end-to-end WA vs over-provisioning: %.0f %% of a %d MiB drive " ..
    "filled, then %g x as many uniform overwrites; modeled SSD"):format(opt.fill * 100,
    C // MiB, ops_factor),
  panels = {
    {title = "Device WA (NAND / host bytes written)", xlabel = "over-provisioning OP (log)",
      ylabel = "device WA", logx = true, xrange = {xmin * 0.9, xmax * 1.1},
      yrange = {0, nil}, key = "top right", series = dev_series},
    {title = "End-to-end WA (NAND bytes / user bytes)", xlabel = "over-provisioning OP (log)",
      ylabel = "end-to-end WA", logx = true, xrange = {xmin * 0.9, xmax * 1.1},
      key = "top right", series = e2e_series},
  },
}

res:write_summary{
  heading = "Device WA and end-to-end WA vs over-provisioning",
  text = {
    "Every OP value gets a fresh drive with the same logical capacity (more physical",
    "blocks for more OP). wa is the engine's WA at the host interface, device_wa the",
    "drive's NAND bytes programmed / host bytes written, e2e_wa their product.",
    "model_full is REFERENCE.md's greedy formula for uniform random 4 KiB overwrites of a",
    "full drive; model_eff the same at alpha_eff = physical / live bytes (unwritten and",
    "trimmed space is spare to the FTL). Columns: results/README.md; reading the",
    "figure: docs/experiments.md.",
  },
  columns = {"engine", "op", "wa", "device_wa", "e2e_wa", "model_full", "alpha_eff",
    "model_eff", "gc_copies", "host_writes", "run", "note"},
  figures = {{"ssd_device_wa", image}},
}
