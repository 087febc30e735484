-- lua/lsmlab/plot.lua - lsmlab.plot{...}: one figure = one .csv (the
-- plotted data) + one .gp (a gnuplot script), rendered to PNG (or SVG)
-- when gnuplot is installed (docs/lua.md).
--
--   lsmlab.plot{
--     dir = "results/quickstart", name = "quickstart",
--     title = "LSM vs B+ tree on the modeled SSD",
--     data = res,                 -- a results object or an array of row tables
--     x = "config",               -- the shared x column
--     layout = {2, 2},            -- panels in rows x columns (default 1 x 1)
--     panels = {
--       { title = "Write amplification", ylabel = "WA (device / user bytes)",
--         style = "bars", series = { {y = "wa", title = "all files"} } },
--       ...
--     },
--   }
--
-- Single-panel plots may put the panel's fields at the top level. A panel:
-- title, xlabel, ylabel, style ("bars" | "linespoints" | "lines" |
-- "points"), logx, logy (true or a base), yrange / xrange ({lo, hi}, nil
-- ends auto), key (gnuplot key placement, default "outside right top" for
-- lines and "top left" for bars), series. A series: y (a column name),
-- title, where (a table {column = value} selecting rows, for several lines
-- from one long table), style (overrides the panel's line style for this
-- series, e.g. "points" for measurements beside a "lines" model), or fn (a
-- gnuplot expression in x, for closed-form curves; lines only). The .csv is
-- wide: the x column, then one column per series named <where values>_<y
-- header> (units kept).
--
-- spec.svg = true (or LSMLAB_PLOT_FORMAT=svg) renders SVG instead of PNG.
-- Without gnuplot (or with LSMLAB_NO_GNUPLOT=1) both files are written
-- and a line says how to render them. Returns the image path (or nil,
-- message when it was not rendered).
local M = ...

local function quote_gp(s)
  return '"' .. tostring(s):gsub('\\', '\\\\'):gsub('"', '\\"') .. '"'
end

local function shell_quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function rows_of(data)
  if type(data) == "table" and data.rows and data.columns then
    return data.rows, data
  end
  if type(data) ~= "table" then error("lsmlab.plot: 'data' must be rows or results", 3) end
  return data, nil
end

local function header_of(results, col)
  if results and results.by_name[col] then return results.by_name[col].header end
  return col
end

-- rows of a results object are keyed by header: look columns up that way
local function getter(results)
  return function(row, col) return row[header_of(results, col)] end
end

local function matches(get, row, where)
  if not where then return true end
  for k, v in pairs(where) do
    if get(row, k) ~= v then return false end
  end
  return true
end

local function where_label(where)
  if not where then return nil end
  local keys = {}
  for k in pairs(where) do keys[#keys + 1] = k end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = tostring(where[k]) end
  return table.concat(parts, "_"):gsub("[^%w%.%-]", "_")
end

local function fmt(v)
  if v == nil then return "" end
  if type(v) == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return "" end
    if math.type(v) == "integer" then return tostring(v) end
    return ("%.6g"):format(v)
  end
  local s = tostring(v)
  if s:find('[,"\n]') then s = '"' .. s:gsub('"', '""') .. '"' end
  return s
end

local function have_gnuplot()
  if os.getenv("LSMLAB_NO_GNUPLOT") == "1" then return false end
  local ok = os.execute("command -v gnuplot >/dev/null 2>&1")
  return ok == true or ok == 0
end

local function range(r)
  if not r then return nil end
  return ("[%s:%s]"):format(r[1] and tostring(r[1]) or "*", r[2] and tostring(r[2]) or "*")
end

local line_styles = { linespoints = true, lines = true, points = true }

function M.plot(spec)
  if type(spec) ~= "table" then error("bad argument #1 to 'plot' (table expected)", 2) end
  for _, k in ipairs({ "name", "x" }) do
    if type(spec[k]) ~= "string" then
      error(("lsmlab.plot: '%s' (a string) is required"):format(k), 2)
    end
  end
  local rows, results = rows_of(spec.data)
  local dir = spec.dir or (results and results.dir) or "."
  local panels = spec.panels or { spec }
  local layout = spec.layout or { 1, #panels }
  local svg = spec.svg or os.getenv("LSMLAB_PLOT_FORMAT") == "svg"
  local ext = svg and "svg" or "png"
  local xcol = spec.x
  local get = getter(results)

  -- the wide table: distinct x values in first-seen order, one column per series
  local xs, xindex = {}, {}
  for _, r in ipairs(rows) do
    local xv = get(r, xcol)
    if xv ~= nil and not xindex[tostring(xv)] then
      xs[#xs + 1] = xv
      xindex[tostring(xv)] = #xs
    end
  end
  if #xs == 0 then error(("lsmlab.plot '%s': no row has column '%s'"):format(spec.name, xcol), 2) end
  local numeric_x = true
  for _, v in ipairs(xs) do numeric_x = numeric_x and type(v) == "number" end
  if numeric_x then
    table.sort(xs)
    for i, v in ipairs(xs) do xindex[tostring(v)] = i end
  end
  local cols = { header_of(results, xcol) }
  local values = {}
  local col_of = {}
  for _, p in ipairs(panels) do
    for _, s in ipairs(p.series or {}) do
      if s.y then
        local name = header_of(results, s.y)
        local wl = where_label(s.where)
        if wl then name = wl .. "_" .. name end
        if not col_of[name] then
          cols[#cols + 1] = name
          col_of[name] = #cols
          local v = {}
          for _, r in ipairs(rows) do
            local xv, yv = get(r, xcol), get(r, s.y)
            if matches(get, r, s.where) and xv ~= nil and yv ~= nil then
              v[xindex[tostring(xv)]] = yv
            end
          end
          values[#cols] = v
        end
        s._col = col_of[name]
      elseif not s.fn then
        error(("lsmlab.plot '%s': a series needs 'y' or 'fn'"):format(spec.name), 2)
      end
    end
  end
  local csv = { table.concat(cols, ",") }
  for i, xv in ipairs(xs) do
    local f = { fmt(xv) }
    for c = 2, #cols do f[c] = fmt(values[c][i]) end
    csv[#csv + 1] = table.concat(f, ",")
  end
  local csv_name, gp_name, img_name = spec.name .. ".csv", spec.name .. ".gp",
    spec.name .. "." .. ext
  M.write_file(dir .. "/" .. csv_name, "# " .. (spec.title or spec.name) ..
    " (lsmlab " .. M.version .. "; plotted by " .. gp_name .. ")\n" ..
    table.concat(csv, "\n") .. "\n")

  -- the gnuplot script
  local multi = #panels > 1
  local width = spec.size and spec.size[1] or (multi and 1000 or 800)
  local height = spec.size and spec.size[2] or (multi and (layout[1] * 380 + 40) or 520)
  local g = {}
  local function add(s) g[#g + 1] = s end
  add(("# %s - written by lsmlab.plot (lsmlab %s); render: gnuplot %s"):format(gp_name,
    M.version, gp_name))
  if svg then
    add(("set terminal svg size %d,%d dynamic font 'sans,12'"):format(width, height))
  else
    add(("set terminal pngcairo size %d,%d font 'sans,%d' noenhanced"):format(width, height,
      multi and 11 or 12))
  end
  add(("set output %s"):format(quote_gp(img_name)))
  add('set datafile separator ","')
  add("set datafile columnheaders")
  add('set datafile missing ""')
  add("set grid ytics lc rgb '#d0d0d0'")
  add("set border 3")
  add("set tics nomirror")
  if multi then
    add(("set multiplot layout %d,%d title %s font ',13'"):format(layout[1], layout[2],
      quote_gp(spec.title or spec.name)))
  end
  for _, p in ipairs(panels) do
    local style = p.style or "linespoints"
    add("reset") -- each panel starts clean (the terminal and output stay)
    add('set datafile separator ","')
    add("set datafile columnheaders")
    add("set grid ytics lc rgb '#d0d0d0'")
    add("set border 3")
    add("set tics nomirror")
    local title = p.title or (not multi and spec.title) or nil
    if title then add(("set title %s"):format(quote_gp(title))) end
    if p.xlabel then add(("set xlabel %s"):format(quote_gp(p.xlabel))) end
    if p.ylabel then add(("set ylabel %s"):format(quote_gp(p.ylabel))) end
    if p.logx then add(("set logscale x %s"):format(p.logx == true and "10" or p.logx)) end
    if p.logy then add(("set logscale y %s"):format(p.logy == true and "10" or p.logy)) end
    if p.xrange then add("set xrange " .. range(p.xrange)) end
    if p.yrange then
      add("set yrange " .. range(p.yrange))
    elseif not p.logy then
      add("set yrange [0:*]")
    end
    if p.format_y then add(("set format y %s"):format(quote_gp(p.format_y))) end
    local plots = {}
    if style == "bars" then
      add("set style data histograms")
      add("set style histogram clustered gap 1")
      add("set style fill solid 0.85 border -1")
      add("set boxwidth 0.9")
      add(("set key %s"):format(p.key or "top left horizontal"))
      add("set offsets 0, 0, graph 0.15, 0")
      if p.rotate_xtics or #xs > 3 then add("set xtics rotate by 30 right") end
      for i, s in ipairs(p.series) do
        if s.fn then error("lsmlab.plot: 'fn' series need a lines style", 2) end
        plots[#plots + 1] = ("%s using %d%s title %s"):format(i == 1 and quote_gp(csv_name) or
          '""', s._col, i == 1 and ":xtic(1)" or "", quote_gp(s.title or cols[s._col]))
      end
    else
      add(("set key %s"):format(p.key or "outside right top"))
      local with = style
      for i, s in ipairs(p.series) do
        if s.style and not line_styles[s.style] then
          error(("lsmlab.plot '%s': series style '%s' (linespoints|lines|points)"):format(
            spec.name, tostring(s.style)), 2)
        end
        if s.fn then
          plots[#plots + 1] = ("%s with lines lw 2 dt 2 lc %d title %s"):format(s.fn,
            s.color or i, quote_gp(s.title or s.fn))
        else
          local xs_expr = numeric_x and "1" or "0"
          plots[#plots + 1] = ("%s using %s:%d%s with %s lw 2 pt 7 ps 1.2 lc %d title %s")
            :format(quote_gp(csv_name), xs_expr, s._col, numeric_x and "" or ":xtic(1)",
              s.style or with, s.color or i, quote_gp(s.title or cols[s._col]))
        end
      end
    end
    add("plot " .. table.concat(plots, ", \\\n     "))
  end
  if multi then add("unset multiplot") end
  M.write_file(dir .. "/" .. gp_name, table.concat(g, "\n") .. "\n")

  if not have_gnuplot() then
    local msg = ("gnuplot not found: wrote %s/%s and %s/%s; render with: cd %s && gnuplot %s")
      :format(dir, gp_name, dir, csv_name, dir, gp_name)
    io.stderr:write("lsmlab.plot: ", msg, "\n")
    return nil, msg
  end
  local cmd = ("cd %s && gnuplot %s 2>&1"):format(shell_quote(dir), shell_quote(gp_name))
  local pipe = io.popen(cmd, "r")
  local output = pipe:read("a")
  local ok = pipe:close()
  if not ok then
    error(("lsmlab.plot '%s': gnuplot failed:\n%s"):format(spec.name, output), 2)
  end
  return dir .. "/" .. img_name
end
