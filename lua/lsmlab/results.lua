-- lua/lsmlab/results.lua - lsmlab.results{...}: a table of result rows
-- written as CSV (header row, units in the column names, a metadata block
-- of '#' lines first) and JSON (docs/lua.md, results/README.md).
--
--   local res = lsmlab.results{
--     name = "quickstart", dir = "results/quickstart", seed = 301,
--     columns = {
--       {"config", "", "engine/strategy configuration"},
--       {"wa", "x", "write amplification (device / user bytes written)"},
--       {"device_ops_per_sec", "", "operations per second of device time"},
--     },
--   }
--   res:config("lsm-leveled", db)      -- record db's effective configuration
--   res:add{config = "lsm-leveled", wa = 3.2, device_ops_per_sec = 1.5e5}
--   res:write_csv()                    -- dir/name.csv
--   res:write_json()                   -- dir/name.json
--
-- A column is {name, unit, doc}; its CSV header is name_unit (or name
-- when the unit is ""): "wa_x", "read_p99_us". Rows are keyed by header,
-- or by the bare name when no other column shares it. Units: x (a ratio),
-- bytes, ns, ops_per_s, ... Values: numbers (NaN/inf written as "nan"/
-- "inf"), strings, booleans; a missing value is an empty field.
local M = ...

local Results = {}
Results.__index = Results

local function header_name(c)
  if c.unit == nil or c.unit == "" then return c.name end
  return c.name .. "_" .. c.unit
end

local function fmt_number(v)
  if v ~= v then return "nan" end
  if v == math.huge then return "inf" end
  if v == -math.huge then return "-inf" end
  if math.type(v) == "integer" then return tostring(v) end
  if v == math.floor(v) and math.abs(v) < 2 ^ 53 then return ("%d"):format(v) end
  return ("%.6g"):format(v)
end

local function csv_field(v)
  if v == nil then return "" end
  if type(v) == "number" then return fmt_number(v) end
  local s = tostring(v)
  if s:find('[,"\n]') then s = '"' .. s:gsub('"', '""') .. '"' end
  return s
end

-- lsmlab.results(spec) -> results object
function M.results(spec)
  if type(spec) ~= "table" or type(spec.name) ~= "string" then
    error("bad argument #1 to 'results' (table with a 'name' expected)", 2)
  end
  if type(spec.columns) ~= "table" or #spec.columns == 0 then
    error("lsmlab.results: 'columns' must list {name, unit, doc} entries", 2)
  end
  local self = setmetatable({
    name = spec.name,
    dir = spec.dir or ("results/" .. spec.name),
    seed = spec.seed,
    title = spec.title,
    columns = {}, by_name = {}, by_header = {}, rows = {}, configs = {}, config_order = {},
    notes = spec.notes or {},
  }, Results)
  local count = {}
  for i, c in ipairs(spec.columns) do
    if type(c) ~= "table" or type(c[1]) ~= "string" or type(c[2]) ~= "string" or
      type(c[3]) ~= "string" then
      error(("lsmlab.results: column %d must be {name, unit, doc}"):format(i), 2)
    end
    local col = { name = c[1], unit = c[2], doc = c[3] }
    col.header = header_name(col)
    if self.by_header[col.header] then
      error(("lsmlab.results: two columns are called '%s'"):format(col.header), 2)
    end
    self.columns[#self.columns + 1] = col
    self.by_header[col.header] = col
    count[col.name] = (count[col.name] or 0) + 1
  end
  -- a row key is a column's header (name_unit), or its bare name when unique
  for h, col in pairs(self.by_header) do self.by_name[h] = col end
  for _, col in ipairs(self.columns) do
    if count[col.name] == 1 and not self.by_name[col.name] then self.by_name[col.name] = col end
  end
  return self
end

-- res:add(row): row keyed by column header (or unique bare name); unknown
-- keys raise. Stored keyed by header.
function Results:add(row)
  local copy = {}
  for k, v in pairs(row) do
    local col = self.by_name[k]
    if not col then
      local names = {}
      for _, c in ipairs(self.columns) do names[#names + 1] = c.header end
      error(("results '%s': unknown column '%s'; columns: %s"):format(self.name,
        tostring(k), table.concat(names, ", ")), 2)
    end
    copy[col.header] = v
  end
  self.rows[#self.rows + 1] = copy
  return copy
end

-- res:config(label, db_or_table): record an effective configuration.
function Results:config(label, what)
  local cfg = what
  if type(what) == "userdata" then cfg = what:config() end
  if not self.configs[label] then self.config_order[#self.config_order + 1] = label end
  self.configs[label] = cfg
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  return keys
end

-- "engine=lsm memtable=skiplist ... | option=value ..." (all effective options)
local function config_line(cfg)
  local parts = {}
  for _, sec in ipairs({ "engine", "memtable", "strategy", "device" }) do
    if cfg[sec] then parts[#parts + 1] = sec .. "=" .. cfg[sec] end
  end
  if cfg.seed then parts[#parts + 1] = "seed=" .. tostring(cfg.seed) end
  local opts = {}
  for _, sec in ipairs({ "engine", "memtable", "strategy", "device" }) do
    local o = cfg.options and cfg.options[sec]
    if o then
      for _, k in ipairs(sorted_keys(o)) do
        if k ~= "memtable" and k ~= "strategy" then
          opts[#opts + 1] = k .. "=" .. tostring(o[k])
        end
      end
    end
  end
  if cfg.workload then
    for _, k in ipairs(sorted_keys(cfg.workload)) do
      opts[#opts + 1] = "workload." .. k .. "=" .. tostring(cfg.workload[k])
    end
  end
  return table.concat(parts, " ") .. " | " .. table.concat(opts, " ")
end

function Results:metadata_lines()
  local lines = {}
  local function add(s) lines[#lines + 1] = s end
  add(("lsmlab %s results '%s'%s"):format(M.version, self.name,
    self.title and (": " .. self.title) or ""))
  local cmd = { "lsmlab", "run", (arg and arg[0]) or "?" }
  for _, a in ipairs(M._script_args or {}) do cmd[#cmd + 1] = a end
  add("command: " .. table.concat(cmd, " "))
  if self.seed then add("seed: " .. tostring(self.seed)) end
  if M._script_options then
    local o = {}
    for _, d in ipairs(M._script_options.decls) do
      local v = M._script_options.values[d.name]
      if type(v) == "table" then v = table.concat(v, ",") end
      o[#o + 1] = d.name .. "=" .. tostring(v)
    end
    add("script options: " .. table.concat(o, " "))
  end
  for _, note in ipairs(self.notes) do add("note: " .. note) end
  for _, label in ipairs(self.config_order) do
    add(("config %s: %s"):format(label, config_line(self.configs[label])))
  end
  for _, c in ipairs(self.columns) do
    add(("column %s: %s%s"):format(c.header, c.doc,
      (c.unit ~= "" and (" [" .. c.unit .. "]") or "")))
  end
  for _, id in ipairs(M.metrics) do
    local m = M.metrics[id]
    add(("metric %s = %s"):format(m.term, m.definition))
  end
  return lines
end

-- res:csv() -> the CSV text
function Results:csv()
  local out = {}
  for _, l in ipairs(self:metadata_lines()) do out[#out + 1] = "# " .. l end
  local h = {}
  for i, c in ipairs(self.columns) do h[i] = csv_field(c.header) end
  out[#out + 1] = table.concat(h, ",")
  for _, row in ipairs(self.rows) do
    local f = {}
    for i, c in ipairs(self.columns) do f[i] = csv_field(row[c.header]) end
    out[#out + 1] = table.concat(f, ",")
  end
  return table.concat(out, "\n") .. "\n"
end

local function path_in(self, file, ext)
  file = file or (self.name .. ext)
  if file:sub(1, 1) == "/" or file:find("/", 1, true) then return file end
  return self.dir .. "/" .. file
end

function Results:write_csv(file)
  local path = path_in(self, file, ".csv")
  M.write_file(path, self:csv())
  return path
end

-- JSON ---------------------------------------------------------------------

local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(ch)
    local map = { ['"'] = '\\"', ['\\'] = '\\\\', ['\n'] = '\\n', ['\t'] = '\\t',
      ['\r'] = '\\r' }
    return map[ch] or ("\\u%04x"):format(ch:byte())
  end) .. '"'
end

local function json_value(v, indent)
  local ty = type(v)
  if ty == "nil" then return "null" end
  if ty == "boolean" then return tostring(v) end
  if ty == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return "null" end
    return fmt_number(v)
  end
  if ty == "string" then return json_string(v) end
  if ty == "table" then
    local inner = indent .. "  "
    local parts = {}
    if #v > 0 or next(v) == nil then
      for _, x in ipairs(v) do parts[#parts + 1] = inner .. json_value(x, inner) end
      if #parts == 0 then return "[]" end
      return "[\n" .. table.concat(parts, ",\n") .. "\n" .. indent .. "]"
    end
    for _, k in ipairs(sorted_keys(v)) do
      if type(k) == "string" then
        parts[#parts + 1] = inner .. json_string(k) .. ": " .. json_value(v[k], inner)
      end
    end
    return "{\n" .. table.concat(parts, ",\n") .. "\n" .. indent .. "}"
  end
  return json_string(tostring(v))
end
M.json = function(v) return json_value(v, "") end

function Results:json()
  local cols, rows = {}, {}
  for _, c in ipairs(self.columns) do
    cols[#cols + 1] = { name = c.header, unit = c.unit, doc = c.doc }
  end
  for _, r in ipairs(self.rows) do
    local o = {}
    for _, c in ipairs(self.columns) do o[c.header] = r[c.header] end
    rows[#rows + 1] = o
  end
  local metrics = {}
  for _, id in ipairs(M.metrics) do metrics[id] = M.metrics[id] end
  return json_value({
    lsmlab_version = M.version, name = self.name, title = self.title, seed = self.seed,
    command = self:metadata_lines()[2]:sub(10),
    script_options = M._script_options and M._script_options.values or nil,
    configs = self.configs, columns = cols, rows = rows, metrics = metrics,
    notes = self.notes,
  }, "") .. "\n"
end

function Results:write_json(file)
  local path = path_in(self, file, ".json")
  M.write_file(path, self:json())
  return path
end

-- res:markdown([columns]) -> a Markdown table of the rows (headers with units)
function Results:markdown(names)
  local cols = {}
  if names then
    for _, n in ipairs(names) do
      cols[#cols + 1] = self.by_name[n] or error("markdown: unknown column '" .. n .. "'", 2)
    end
  else
    cols = self.columns
  end
  local out, h, sep = {}, {}, {}
  for i, c in ipairs(cols) do
    h[i] = c.header
    sep[i] = "---"
  end
  out[1] = "| " .. table.concat(h, " | ") .. " |"
  out[2] = "|" .. table.concat(sep, "|") .. "|"
  for _, r in ipairs(self.rows) do
    local f = {}
    for i, c in ipairs(cols) do
      local v = r[c.header]
      if type(v) == "number" then
        if math.type(v) == "integer" or (v == math.floor(v) and math.abs(v) >= 1000) then
          f[i] = fmt_number(v)
        elseif v ~= v then
          f[i] = "n/a"
        else
          f[i] = ("%.3g"):format(v)
        end
      else
        f[i] = v == nil and "" or tostring(v)
      end
    end
    out[#out + 1] = "| " .. table.concat(f, " | ") .. " |"
  end
  return table.concat(out, "\n") .. "\n"
end

-- res:write_summary{heading, text, columns, after, figures} -> path
-- Writes <dir>/summary.md and prints it to stdout: "# heading", the results'
-- title, the `text` lines, the Markdown table of `columns` (default: all),
-- the `after` lines, then per figure {name, image} (image: what lsmlab.plot
-- returned; nil without gnuplot) a Markdown image link, or a note that the
-- figure was not rendered and how to render its name.gp.
function Results:write_summary(spec)
  if type(spec) ~= "table" or type(spec.heading) ~= "string" then
    error("bad argument #1 to 'write_summary' (table with a 'heading' expected)", 2)
  end
  local out = { "# " .. spec.heading, "" }
  if self.title then
    out[#out + 1] = self.title .. "."
    out[#out + 1] = ""
  end
  local function append(lines, what)
    if lines == nil then return end
    if type(lines) ~= "table" then
      error(("write_summary: '%s' must be a list of lines"):format(what), 3)
    end
    for _, l in ipairs(lines) do out[#out + 1] = l end
    out[#out + 1] = ""
  end
  append(spec.text, "text")
  for _, n in ipairs(spec.columns or {}) do
    if not self.by_name[n] then
      error(("write_summary: unknown column '%s'"):format(tostring(n)), 2)
    end
  end
  out[#out + 1] = self:markdown(spec.columns)
  append(spec.after, "after")
  for i, f in ipairs(spec.figures or {}) do
    if type(f) ~= "table" or type(f[1]) ~= "string" then
      error(("write_summary: figure %d must be {name, image}"):format(i), 2)
    end
    if f[2] then
      out[#out + 1] = ("![%s](%s)"):format(f[1], f[2]:match("[^/]+$"))
    else
      out[#out + 1] = ("(figure not rendered: gnuplot is missing; render it with " ..
        "`cd %s && gnuplot %s.gp`)"):format(self.dir, f[1])
    end
    out[#out + 1] = ""
  end
  local text = table.concat(out, "\n")
  local path = M.write_file(self.dir .. "/summary.md", text)
  io.stdout:write(text)
  return path
end

-- helpers ----------------------------------------------------------------

-- lsmlab.write_file(path, text): create the directory, write, raise on failure.
function M.write_file(path, text)
  local dir = path:match("^(.*)/[^/]*$")
  if dir and dir ~= "" then M.mkdir(dir) end
  local f, err = io.open(path, "w")
  if not f then error("cannot write " .. path .. ": " .. err, 2) end
  local ok, werr = f:write(text)
  if not ok then
    f:close()
    error("cannot write " .. path .. ": " .. tostring(werr), 2)
  end
  assert(f:close())
  return path
end

-- lsmlab.read_csv(path) -> header array, rows (arrays of strings); '#' lines skipped
function M.read_csv(path)
  local f, err = io.open(path, "r")
  if not f then return nil, err end
  local header, rows = nil, {}
  for line in f:lines() do
    if line:sub(1, 1) ~= "#" and line ~= "" then
      local fields, pos = {}, 1
      while pos <= #line + 1 do
        local c = line:sub(pos, pos)
        if c == '"' then
          local value, p = "", pos + 1
          while true do
            local q = line:find('"', p, true)
            if not q then error(path .. ": unterminated quote") end
            value = value .. line:sub(p, q - 1)
            if line:sub(q + 1, q + 1) == '"' then
              value, p = value .. '"', q + 2
            else
              pos = q + 2
              break
            end
          end
          fields[#fields + 1] = value
        else
          local q = line:find(",", pos, true) or (#line + 1)
          fields[#fields + 1] = line:sub(pos, q - 1)
          pos = q + 1
        end
      end
      if not header then header = fields else rows[#rows + 1] = fields end
    end
  end
  f:close()
  return header, rows
end
