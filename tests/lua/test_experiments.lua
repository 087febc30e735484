-- tests/lua/test_experiments.lua - every experiments/*.lua in --quick mode
-- into a temporary results directory; its outputs are checked: exit status
-- 0, summary.md, every CSV with a header and rows whose numbers are finite,
-- and a rendered image per gnuplot script when gnuplot is installed.
-- With an argument, only the experiments whose names contain it.
local H = dofile((os.getenv("LSMLAB_SRC") or ".") .. "/tests/lua/helpers.lua")
local lsmlab = require "lsmlab"
local check = H.check
local filter = ...

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
    end
  end
end
check(count >= 1, "found experiments")
os.execute("rm -rf '" .. tmp .. "'")
H.finish("test_experiments")
