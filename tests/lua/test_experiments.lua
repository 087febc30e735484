-- tests/lua/test_experiments.lua - every experiments/*.lua in --quick mode
-- into a temporary results directory; its outputs are checked: exit status
-- 0, summary.md, every CSV with a header and rows whose numbers are finite,
-- and a rendered image per gnuplot script when gnuplot is installed. Some
-- experiments' numbers are checked against what they must show (`expect`
-- below: the Bloom false-positive rate tracks its formula, TTL data is
-- dropped, ...), and results/README.md must describe every column of the
-- results CSVs. With an argument, only the experiments whose names contain it.
local H = dofile((os.getenv("LSMLAB_SRC") or ".") .. "/tests/lua/helpers.lua")
local lsmlab = require "lsmlab"
local check = H.check
local filter = ...

-- summary.csv as rows keyed by header; numeric fields as numbers, "" as nil
local function summary_rows(path)
  local header, rows = lsmlab.read_csv(path)
  local out = {}
  for _, row in ipairs(rows or {}) do
    local r = {}
    for c, v in ipairs(row) do
      if v ~= "" then r[header[c]] = tonumber(v) or v end
    end
    out[#out + 1] = r
  end
  return out, header or {}
end

local function find(rows, key, value)
  for _, r in ipairs(rows) do
    if r[key] == value then return r end
  end
  return nil
end

-- per experiment: checks of what its numbers must show (quick mode, fixed seed)
local expect = {}

function expect.bloom_bits(rows, what)
  local n = 0
  for _, r in ipairs(rows) do
    if r.bits == 0 then
      check(r.fpr_measured_x == nil and r.checks == 0, what .. ": no filter, no checks")
      check(math.abs(r.zero_ios_per_get - r.files_probed_per_get) <=
        0.01 * r.files_probed_per_get, what .. ": without a filter every probe reads")
    elseif r.checks >= 1000 then
      n = n + 1
      local p, m = r.fpr_formula_x, r.fpr_measured_x
      -- binomial noise plus 30 %: double hashing in small filters runs a little
      -- above the formula (docs/experiments.md)
      check(math.abs(m - p) <= 4 * r.fpr_se_x + 0.3 * p,
        ("%s: bits %d: measured FPR %.5g vs formula %.5g (se %.3g)"):format(what, r.bits, m,
          p, r.fpr_se_x))
      check(math.abs(r.zero_ios_per_get - r.zero_predicted_ios_per_get) <=
        0.35 * r.zero_predicted_ios_per_get + 0.002,
        ("%s: bits %d: zero-result reads %.4g vs predicted %.4g"):format(what, r.bits,
          r.zero_ios_per_get, r.zero_predicted_ios_per_get))
    end
  end
  check(n >= 5, what .. ": at least 5 bits values with filter checks")
  local b10 = find(rows, "bits", 10)
  check(b10 and b10.fpr_measured_x < 0.012 and b10.fpr_measured_x > 0.005,
    what .. ": 10 bits per key is about 0.82 %")
end

function expect.twcs_ttl(rows, what)
  local twcs, stcs = find(rows, "strategy", "twcs"), find(rows, "strategy", "tiered")
  if not (check(twcs and stcs, what .. ": rows for twcs and tiered")) then return end
  check(twcs.ttl_drops > 0, what .. ": TWCS dropped expired runs whole")
  check(twcs.live_end_mib < 0.5 * twcs.written_mib, what .. ": TWCS keeps less than half " ..
    "of what was written")
  check(twcs.live_end_mib < 1.5 * twcs.unexpired_end_mib and twcs.space_ratio_x < 1.5,
    what .. ": TWCS space follows the unexpired data")
  check(stcs.entries_dropped > 0, what .. ": STCS drops expired entries when it merges")
  check(stcs.live_mean_mib > 1.3 * twcs.live_mean_mib, what .. ": STCS keeps more space")
  local tl = summary_rows(what:match("^(.*)/[^/]*$") .. "/timeline.csv")
  check(tl and #tl >= 2, what .. ": timeline.csv has samples")
end

function expect.ssd_device_wa(rows, what)
  local lo = math.huge
  for _, r in ipairs(rows) do
    lo = math.min(lo, r.op)
    check(r.note == nil, what .. ": no run stopped: " .. tostring(r.note))
    check(math.abs(r.e2e_wa_x - r.wa_x * r.device_wa_x) <= 1e-3 * r.e2e_wa_x,
      what .. ": end-to-end WA = WA x device WA")
    check(r.device_wa_x <= r.model_full_x * 1.05 + 0.05,
      ("%s: %s at OP %g: device WA %.3g above the full-drive bound %.3g"):format(what,
        r.engine, r.op, r.device_wa_x, r.model_full_x))
    if r.engine == "lsm" then
      check(r.device_wa_x < 1.1, what .. ": LSM with TRIM has device WA about 1")
    end
  end
  local lsm, bt = nil, nil
  local prev
  for _, r in ipairs(rows) do
    if r.op == lo and r.engine == "lsm" then lsm = r end
    if r.op == lo and r.engine == "btree" then bt = r end
    if r.engine == "btree" then
      check(not prev or r.device_wa_x <= prev + 0.02, what .. ": B+ tree device WA falls " ..
        "with OP")
      check(math.abs(r.device_wa_x - r.model_eff_x) <= 0.15 * r.model_eff_x,
        ("%s: B+ tree at OP %g: device WA %.3g vs formula at alpha_eff %.3g"):format(what,
          r.op, r.device_wa_x, r.model_eff_x))
      prev = r.device_wa_x
    end
  end
  check(lsm and bt and bt.device_wa_x > lsm.device_wa_x + 0.1,
    what .. ": at the lowest OP the B+ tree's device WA exceeds the LSM's")
end

function expect.memtables(rows, what)
  for _, kind in ipairs(lsmlab.list().memtables) do
    local r = find(rows, "kind", kind)
    if check(r, what .. ": a row for memtable " .. kind) then
      check(r.overhead_bytes_per_entry > 0 and r.overhead_bytes_per_entry < 200,
        what .. ": " .. kind .. " overhead per entry")
    end
  end
  local v, h = find(rows, "kind", "vector"), find(rows, "kind", "hash")
  if v and h then
    check(v.get_hit_ns > 10 * h.get_hit_ns, what .. ": the vector's O(n) get is slow")
    check(v.scan_after_write_ns > 10 * find(rows, "kind", "skiplist").scan_after_write_ns,
      what .. ": a scan after a write sorts the vector")
  end
end

function expect.lsm_vs_btree(rows, what)
  for _, r in ipairs(rows) do
    local label = ("%s: %s/%s"):format(what, r.workload, r.engine)
    check(r.read_p99_us, label .. ": a read (or scan) p99")
    check((r.write_p99_us ~= nil) == (r.workload ~= "ycsb-c"),
      label .. ": a write p99 exactly where the workload writes")
  end
end

function expect.compaction_strategies(rows, what)
  local lv, ti, ff = find(rows, "strategy", "leveled"), find(rows, "strategy", "tiered"),
    find(rows, "strategy", "fifo")
  if not check(lv and ti and ff, what .. ": leveled, tiered and fifo rows") then return end
  check(ti.wa_x < lv.wa_x, what .. ": tiered writes less than leveled")
  check(lv.sa_x < ti.sa_x, what .. ": leveled keeps less space than tiered")
  check(lv.zero_ios_per_get < ti.zero_ios_per_get and ti.zero_ios_per_get <
    ff.zero_ios_per_get, what .. ": zero-result reads grow with the runs kept")
end

function expect.size_ratio_sweep(rows, what)
  local lo, hi
  for _, r in ipairs(rows) do
    if r.mode == "tiering" then
      if not lo or r.T < lo.T then lo = r end
      if not hi or r.T > hi.T then hi = r end
    end
  end
  check(lo and hi and hi.wa_no_wal_x < lo.wa_no_wal_x,
    what .. ": tiering writes less at a larger size ratio")
end

-- results/README.md's section "## <name>/" must name every column of the
-- experiment's results CSVs (those with a metadata block, not the figures' data)
local readme = H.read(H.src .. "/results/README.md") or ""
local function readme_section(name)
  local a = readme:find("\n## " .. name .. "/", 1, true)
  if not a then return nil end
  local b = readme:find("\n## ", a + 1, true)
  return readme:sub(a, b or #readme)
end

local have_gnuplot = os.getenv("LSMLAB_NO_GNUPLOT") ~= "1" and
  os.execute("command -v gnuplot >/dev/null 2>&1")
local tmp = H.tmpdir()
local _, listing = H.sh(("ls %s/experiments/*.lua"):format(H.src))
local count = 0
for script in listing:gmatch("[^\n]+") do
  local name = script:match("([^/]+)%.lua$")
  if not filter or name:find(filter, 1, true) then
    count = count + 1
    local out = tmp .. "/" .. name
    local t0 = lsmlab.wall_ns()
    local code, text = H.sh(("cd %s && %s run %s --quick --out=%s"):format(H.src, H.bin,
      script, out))
    local secs = (lsmlab.wall_ns() - t0) / 1e9
    io.stderr:write(("%s: exit %s in %.1f s\n"):format(name, tostring(code), secs))
    if check(code == 0, name .. " exits 0:\n" .. text) then
      check(H.read(out .. "/summary.md"), name .. ": summary.md")
      local _, files = H.sh(("ls %s"):format(out))
      local ncsv = 0
      for f in files:gmatch("[^\n]+") do
        if f:match("%.csv$") then
          ncsv = ncsv + 1
          local header, rows = lsmlab.read_csv(out .. "/" .. f)
          check(header and #header >= 2, name .. "/" .. f .. ": header")
          if (H.read(out .. "/" .. f) or ""):find("^# lsmlab") then
            local section = readme_section(name)
            if check(section, "results/README.md has a section '## " .. name .. "/'") then
              for _, h in ipairs(header or {}) do
                check(section:find("`" .. h .. "`", 1, true),
                  ("results/README.md, %s/: column `%s` of %s is not described"):format(name,
                    h, f))
              end
            end
          end
          check(rows and #rows >= 1, name .. "/" .. f .. ": rows")
          for r, row in ipairs(rows or {}) do
            for c, v in ipairs(row) do
              local low = v:lower()
              check(low ~= "nan" and low ~= "inf" and low ~= "-inf" and low ~= "-nan",
                ("%s/%s: row %d column %s is %s"):format(name, f, r, header[c], v))
            end
          end
        elseif f:match("%.gp$") and have_gnuplot then
          local img = f:gsub("%.gp$", ".png")
          check(H.read(out .. "/" .. img), name .. ": " .. img .. " rendered")
        end
      end
      check(ncsv >= 1, name .. ": at least one CSV")
      if expect[name] then
        local rows = summary_rows(out .. "/summary.csv")
        if check(#rows >= 1, name .. ": summary.csv rows") then
          expect[name](rows, out .. "/summary.csv")
        end
      end
    end
  end
end
check(count >= 1, "found experiments")
os.execute("rm -rf '" .. tmp .. "'")
H.finish("test_experiments")
