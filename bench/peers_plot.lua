-- bench/peers_plot.lua - the figures of the peers harness (bench/peers),
-- drawn with lsmlab.plot from the CSVs it wrote:
--   peers_dbbench.png  ops/s per db_bench benchmark, one bar per engine
--   peers_ycsb.png     ops/s per YCSB workload (run phases)
--   peers_amp.png      fillrandom WA (four counters), SA and peak RSS
-- usage: lsmlab run bench/peers_plot.lua [--dir=results/peers]
local lsmlab = require "lsmlab"

local opt = lsmlab.options{
  "Plots the results of bench/peers (peers.csv and peers_engines.csv in --dir).",
  {"dir", "results/peers", "the directory bench/peers wrote"},
}

-- rows of a CSV as tables keyed by header, numbers converted
local function load(name)
  local header, rows = lsmlab.read_csv(opt.dir .. "/" .. name)
  if not header then error(("cannot read %s/%s: %s"):format(opt.dir, name, rows)) end
  local out = {}
  for _, r in ipairs(rows) do
    local t = {}
    for i, h in ipairs(header) do
      local v = r[i]
      if v == "" then v = nil end
      t[h] = tonumber(v) or v
    end
    out[#out + 1] = t
  end
  return out
end

local phases, engines = load("peers.csv"), load("peers_engines.csv")
local names = {}
for _, e in ipairs(engines) do names[#names + 1] = e.engine end

local function pick(pred)
  local out = {}
  for _, r in ipairs(phases) do
    if pred(r.phase) then out[#out + 1] = r end
  end
  return out
end

local function per_engine(y)
  local s = {}
  for _, n in ipairs(names) do s[#s + 1] = {y = y, where = {engine = n}, title = n} end
  return s
end

local figures = {
  {name = "peers_dbbench", title = "db_bench benchmarks (median ops/s, log scale)",
   rows = pick(function(p) return not p:find("^ycsb") end)},
  {name = "peers_ycsb", title = "YCSB run phases (median ops/s, log scale)",
   rows = pick(function(p) return p:find("^ycsb") and not p:find("/load") end)},
}
for _, f in ipairs(figures) do
  if #f.rows > 0 then
    print(lsmlab.plot{dir = opt.dir, name = f.name, data = f.rows, x = "phase",
      title = f.title, ylabel = "ops/s (thousands)", style = "bars", logy = true,
      size = {1100, 520}, key = "outside right top vertical",
      series = per_engine("kops_per_s")})
  end
end

print(lsmlab.plot{dir = opt.dir, name = "peers_amp", data = engines, x = "engine",
  title = "Amplification and memory", layout = {1, 3}, size = {1400, 480},
  panels = {
    {title = "fillrandom WA", ylabel = "bytes written / user bytes", style = "bars",
     series = {{y = "fillrandom_wa_io_x", title = "write_bytes"},
               {y = "fillrandom_wa_net_x", title = "write_bytes - cancelled"},
               {y = "fillrandom_wa_wchar_x", title = "wchar"},
               {y = "fillrandom_wa_dev_x", title = "lsmlab device"}}},
    {title = "SA after overwrite", ylabel = "file bytes / live bytes", style = "bars",
     series = {{y = "sa_x", title = "SA"}}},
    {title = "peak RSS", ylabel = "MiB", style = "bars",
     series = {{y = "peak_rss_mib", title = "peak RSS"}}},
  }})
