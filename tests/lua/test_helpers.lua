-- tests/lua/test_helpers.lua - lsmlab.options, results (CSV/JSON/Markdown),
-- sweep and plot; `lsmlab run` behaviour (args, --help, errors with
-- file:line and a traceback, shebang); determinism of a seeded run.
local H = dofile((os.getenv("LSMLAB_SRC") or ".") .. "/tests/lua/helpers.lua")
local lsmlab = require "lsmlab"
local check, raises = H.check, H.raises
local tmp = H.tmpdir()

-- options ---------------------------------------------------------------
local spec = {
  "A test script.",
  {"quick", false, "quick mode"},
  {"num", 1000, "keys"},
  {"ratio", 0.5, "a ratio"},
  {"wbs", "4MiB", "buffer", type = "bytes"},
  {"delay", "10ms", "a delay", type = "duration"},
  {"names", {"a", "b"}, "a list"},
  {"out", "x", "a path"},
}
local o = lsmlab.options(spec, {})
check(o.quick == false and o.num == 1000 and o.wbs == 4194304 and o.delay == 10000000,
  "option defaults (typed)")
o = lsmlab.options(spec, {"--quick", "--num=1e6", "--wbs=1GB", "--delay=2s", "--names=x,y,z",
  "--ratio=0.25", "--out=dir"})
check(o.quick == true and o.num == 1000000 and math.type(o.num) == "integer", "1e6 accepted")
check(o.wbs == 1000000000 and o.delay == 2000000000 and #o.names == 3, "units accepted")
check(o.ratio == 0.25 and o.out == "dir", "number and string")
o = lsmlab.options(spec, {"--no-quick"})
check(o.quick == false, "--no-name")

-- option errors exit 2 with the option named (run as a subprocess)
local script = tmp .. "/opts.lua"
H.write(script, [[
local lsmlab = require "lsmlab"
local o = lsmlab.options{"Describes the script.", {"num", 10, "keys"}, {"wbs", "1MiB", "buffer", type = "bytes"}}
print("num=" .. o.num .. " wbs=" .. o.wbs)
]])
local code, out = H.sh(("%s run %s --num=7 --wbs=2KiB"):format(H.bin, script))
check(code == 0 and out:find("num=7 wbs=2048", 1, true), "script args: " .. out)
code, out = H.sh(("%s run %s --help"):format(H.bin, script))
check(code == 0 and out:find("Describes the script.", 1, true) and out:find("--num=INT", 1, true)
  and out:find("default 10", 1, true), "--help: " .. out)
code, out = H.sh(("%s run %s --nmu=3"):format(H.bin, script))
check(code == 2 and out:find("unknown option '--nmu' (did you mean '--num'?)", 1, true),
  "unknown option: " .. out)
code, out = H.sh(("%s run %s --wbs=lots"):format(H.bin, script))
check(code == 2 and out:find("--wbs", 1, true) and out:find("not a size", 1, true),
  "bad value: " .. out)
-- typed list items and choices: parsed, checked, shown in --help
local typed = tmp .. "/typed.lua"
H.write(typed, [[
local lsmlab = require "lsmlab"
local o = lsmlab.options{"Typed lists.", {"bits", {"0", "10"}, "bits", items = "int"},
  {"mode", "fast", "mode", choices = {"fast", "slow"}},
  {"engines", {"lsm"}, "engines", choices = {"lsm", "btree"}}}
print(("bits=%s,%s %s %s %s"):format(math.type(o.bits[1]), o.bits[#o.bits] + 1, o.mode,
  #o.engines, o.engines[#o.engines]))
]])
code, out = H.sh(("%s run %s"):format(H.bin, typed))
check(code == 0 and out:find("bits=integer,11 fast 1 lsm", 1, true), "typed defaults: " .. out)
code, out = H.sh(("%s run %s --bits=1,2,3 --mode=slow --engines=btree,lsm"):format(H.bin,
  typed))
check(code == 0 and out:find("bits=integer,4 slow 2 lsm", 1, true), "typed args: " .. out)
code, out = H.sh(("%s run %s --bits=1,x"):format(H.bin, typed))
check(code == 2 and out:find("option '--bits': 'x' is not a number", 1, true),
  "bad list item: " .. out)
code, out = H.sh(("%s run %s --engines=lsm,foo"):format(H.bin, typed))
check(code == 2 and out:find("option '--engines': unknown value 'foo' (lsm|btree)", 1, true),
  "bad choice: " .. out)
code, out = H.sh(("%s run %s --engines=btre"):format(H.bin, typed))
check(code == 2 and out:find("unknown value 'btre' (did you mean 'btree'?)", 1, true),
  "choice suggestion: " .. out)
code, out = H.sh(("%s run %s --mode=medium"):format(H.bin, typed))
check(code == 2 and out:find("unknown value 'medium' (fast|slow)", 1, true), "bad choice: " .. out)
code, out = H.sh(("%s run %s --help"):format(H.bin, typed))
check(code == 0 and out:find("one of fast|slow", 1, true), "choices in --help: " .. out)
raises(function() lsmlab.options({"x", {"n", 1, "n", items = "int"}}, {}) end,
  {"items = 'int' needs a list option"}, "items on a non-list")

-- a failing script: file:line and a traceback, exit 1
local bad = tmp .. "/bad.lua"
H.write(bad, "local function f()\n  error('deliberate')\nend\nf()\n")
code, out = H.sh(("%s run %s"):format(H.bin, bad))
check(code == 1 and out:find("bad.lua:2: deliberate", 1, true) and
  out:find("stack traceback", 1, true), "error report: " .. out)
H.write(bad, "this is not lua\n")
code, out = H.sh(("%s run %s"):format(H.bin, bad))
check(code == 2 and out:find("bad.lua:1:", 1, true), "syntax error: " .. out)
code, out = H.sh(("%s run %s/missing.lua"):format(H.bin, tmp))
check(code == 2 and out:find("missing.lua", 1, true), "missing script: " .. out)
-- shebang: lsmlab SCRIPT.lua, and executing the script directly
local sb = tmp .. "/sb.lua"
H.write(sb, "#!/usr/bin/env lsmlab\nprint('shebang ok', ...)\n")
code, out = H.sh(("%s %s --x=1"):format(H.bin, sb))
check(code == 0 and out:find("shebang ok\t--x=1", 1, true), "lsmlab SCRIPT.lua: " .. out)
local bindir = H.bin:match("^(.*)/[^/]*$")
if bindir then
  os.execute("chmod +x '" .. sb .. "'")
  code, out = H.sh(("PATH='%s':$PATH %s"):format(bindir, sb))
  check(code == 0 and out:find("shebang ok", 1, true), "#! execution: " .. out)
end

-- results ---------------------------------------------------------------
local res = lsmlab.results{
  name = "t", dir = tmp .. "/res", seed = 5, title = "a test",
  columns = {
    {"config", "", "name"}, {"wa", "x", "write amp"}, {"lat", "ns", "latency"},
    {"note", "", "text with, a comma"},
  },
}
res:add{config = "a", wa = 1.5, lat_ns = 100, note = 'say "hi", ok'}
res:add{config = "b", wa = 0 / 0, lat = 7}
raises(function() res:add{nope = 1} end, {"unknown column 'nope'", "wa_x"}, "unknown column")
raises(function()
  lsmlab.results{name = "d", columns = {{"a", "x", "1"}, {"a", "x", "2"}}}
end, {"two columns"}, "duplicate column")
do
  local db <close> = lsmlab.open("lsm", {write_buffer_size = "1MiB"})
  res:config("a", db)
end
local path = res:write_csv()
local text = H.read(path)
check(text:find("^# lsmlab ") ~= nil, "metadata block first")
check(text:find("# seed: 5", 1, true), "seed in metadata")
check(text:find("# config a: engine=lsm", 1, true) and
  text:find("write_buffer_size=1MiB", 1, true), "effective config in metadata")
check(text:find("# column wa_x: write amp [x]", 1, true), "column docs in metadata")
check(text:find("# metric WA = device bytes written", 1, true), "metric definitions")
local header, rows = lsmlab.read_csv(path)
check(table.concat(header, ",") == "config,wa_x,lat_ns,note", "header with units")
check(#rows == 2 and rows[1][4] == 'say "hi", ok' and rows[2][2] == "nan" and rows[2][4] == "",
  "csv quoting and nan")
local json = H.read(res:write_json())
check(json:find('"wa_x": 1.5', 1, true) and json:find('"wa_x": null', 1, true) and
  json:find('"seed": 5', 1, true), "json rows")
local md = res:markdown{"config", "wa"}
check(md:find("| config | wa_x |", 1, true) and md:find("| b | n/a |", 1, true), "markdown")
-- write_summary: heading, title, text, table, notes, a figure link or how to render it
local real_stdout = io.stdout
io.stdout = {write = function() end}
local spath = res:write_summary{heading = "Demo", text = {"Some text."}, columns = {"config",
  "wa"}, after = {"- a note"}, figures = {{"fig", tmp .. "/res/fig.png"}, {"nofig", nil}}}
io.stdout = real_stdout
local sum = H.read(spath) or ""
check(spath == tmp .. "/res/summary.md" and sum:find("^# Demo\n\na test%.\n\nSome text%.\n\n" ..
  "| config | wa_x |") and sum:find("- a note", 1, true) and sum:find("![fig](fig.png)", 1, true)
  and sum:find("gnuplot nofig.gp", 1, true) and not sum:find("lat_ns", 1, true),
  "write_summary: " .. sum)
raises(function() res:write_summary{heading = "x", columns = {"nope"}} end,
  {"unknown column 'nope'"}, "write_summary unknown column")
raises(function() res:write_summary{heading = "x", figures = {"fig"}} end,
  {"figure 1 must be {name, image}"}, "write_summary bad figure")

-- sweep -----------------------------------------------------------------
local sw = lsmlab.sweep{{"strategy", {"leveled", "tiered"}}, {"ratio", {2, 4, 8}}}
check(#sw == 6 and sw[1].name == "strategy=leveled,ratio=2" and sw[6].params.ratio == 8 and
  sw[6].params.strategy == "tiered", "sweep order and names")
local sw2 = lsmlab.sweep{b = {1, 2}, a = {"x"}}
check(#sw2 == 2 and sw2[1].name == "a=x,b=1", "keyed sweep sorted by name")
raises(function() lsmlab.sweep{{"x", {}}} end, {"no values"}, "empty sweep")

-- plot ------------------------------------------------------------------
local pres = lsmlab.results{name = "p", dir = tmp .. "/plot", columns = {
  {"strategy", "", "s"}, {"ratio", "", "r"}, {"wa", "x", "w"}}}
for _, c in ipairs(sw) do
  pres:add{strategy = c.params.strategy, ratio = c.params.ratio, wa = c.params.ratio *
    (c.params.strategy == "leveled" and 1 or 0.3)}
end
local function plot(name)
  return lsmlab.plot{data = pres, name = name, x = "ratio", title = "WA vs ratio",
    xlabel = "size ratio", ylabel = "WA (x)", logx = 2, series = {
      {y = "wa", where = {strategy = "leveled"}, title = "leveled"},
      {y = "wa", where = {strategy = "tiered"}, title = "tiered"},
      {fn = "x", title = "model"}}}
end
local nog = os.getenv("LSMLAB_NO_GNUPLOT")
local img, msg
-- without gnuplot: both files and a hint
local prev = os.getenv
os.getenv = function(k) if k == "LSMLAB_NO_GNUPLOT" then return "1" end return prev(k) end
img, msg = plot("nognu")
os.getenv = prev
check(img == nil and msg:find("gnuplot nognu.gp", 1, true), "no gnuplot: hint")
check(H.read(tmp .. "/plot/nognu.gp") and H.read(tmp .. "/plot/nognu.csv"), "no gnuplot: files")
local pcsv = H.read(tmp .. "/plot/nognu.csv")
check(pcsv:find("ratio,leveled_wa_x,tiered_wa_x", 1, true) and pcsv:find("\n8,8,2.4", 1, true),
  "plot csv is wide with units: " .. pcsv)
-- a series may override the panel's style; an unknown style is an error
lsmlab.plot{data = pres, name = "styled", x = "ratio", dir = tmp .. "/plot", svg = true,
  series = {{y = "wa", where = {strategy = "leveled"}, style = "points"},
    {y = "wa", where = {strategy = "tiered"}}}}
local sgp = H.read(tmp .. "/plot/styled.gp") or ""
check(sgp:find("with points", 1, true) and sgp:find("with linespoints", 1, true),
  "series style overrides the panel's: " .. sgp)
raises(function() lsmlab.plot{data = pres, name = "badstyle", x = "ratio", dir = tmp .. "/plot",
  series = {{y = "wa", style = "bogus"}}} end, {"series style 'bogus'", "points"},
  "bad series style")
if nog ~= "1" and os.execute("command -v gnuplot >/dev/null 2>&1") then
  img = plot("withgnu")
  check(img and H.read(img) and #H.read(img) > 1000, "png rendered")
end

-- determinism: the same seeded script twice gives the same CSV
local det = tmp .. "/det.lua"
H.write(det, [[
local lsmlab = require "lsmlab"
local o = lsmlab.options{"det", {"out", "x", "dir"}, {"seed", 1, "seed"}}
local res = lsmlab.results{name = "det", dir = o.out, seed = o.seed, columns = {
  {"engine", "", "e"}, {"wa", "x", "w"}, {"sa", "x", "s"}, {"ra", "ios_per_get", "r"},
  {"device_ops", "per_s", "d"}}}
for _, e in ipairs({"lsm", "btree"}) do
  local db <close> = lsmlab.open(e, {write_buffer_size = e == "lsm" and "64KiB" or nil})
  local p = {recordcount = 3000, operationcount = 3000, seed = o.seed}
  db:load("ycsb-a", p)
  local r = db:run("ycsb-a", p)
  local s = db:stats()
  res:add{engine = e, wa = s.wa, sa = s.sa, ra = s.ra_found_ios, device_ops = r.device_ops_per_sec}
end
res:write_csv()
]])
H.sh(("%s run %s --out=%s/d1 --seed=9"):format(H.bin, det, tmp))
H.sh(("%s run %s --out=%s/d2 --seed=9"):format(H.bin, det, tmp))
H.sh(("%s run %s --out=%s/d3 --seed=10"):format(H.bin, det, tmp))
local function body(p)
  return ((H.read(p) or ""):gsub("# command:[^\n]*\n", ""):gsub("# script options:[^\n]*\n", ""))
end
local d1, d2, d3 = body(tmp .. "/d1/det.csv"), body(tmp .. "/d2/det.csv"),
  body(tmp .. "/d3/det.csv")
check(#d1 > 100 and d1 == d2, "same seed, same CSV")
check(d1 ~= d3, "another seed, another CSV")

os.execute("rm -rf '" .. tmp .. "'")
H.finish("test_helpers")
