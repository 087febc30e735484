-- lua/lsmlab/options.lua - lsmlab.options{...}: a script's command-line
-- options, declared with a description and a default (docs/lua.md).
--
--   local opt = lsmlab.options{
--     "Quickstart: LSM leveled vs tiered vs B+ tree on the modeled SSD",
--     {"quick", false, "a run of a few seconds (small data set)"},
--     {"num", 1e6, "keys loaded"},
--     {"write_buffer_size", "4MiB", "memtable size", type = "bytes"},
--     {"out", "results/quickstart", "output directory"},
--   }
--
-- Each entry is {name, default, doc [, type = ...]}; the type is taken
-- from the default (boolean, number, string) unless given: "bool",
-- "number" (1e6, 0x10), "int", "bytes" (4MiB, 1GB, 1e6), "duration" (10ms,
-- 2s; the value is in ns), "string", "list" (comma-separated strings).
-- A list may declare `items = TYPE` (each item parsed as that type, e.g.
-- "int": --ratios=2,4,8 gives numbers); a string or list may declare
-- `choices = {...}` (every value must be one of them; --help shows them).
-- Arguments are --name=value (a bare --name is true for booleans, and
-- --no-name is false); --help prints the description and every option
-- and exits. A bad argument prints a message naming the option and what
-- it accepts, and exits with status 2.
local M = ...

local function fail(msg)
  io.stderr:write("lsmlab: ", msg, " (--help lists the options)\n")
  os.exit(2)
end

local parsers = {}

function parsers.bool(name, s)
  local v, err = M.parse_bool(s)
  if v == nil then fail("option '--" .. name .. "': " .. err) end
  return v
end

function parsers.number(name, s)
  local v = M.parse_number(s)
  if v == nil then
    fail("option '--" .. name .. "': '" .. s .. "' is not a number (e.g. 100, 1e6, 0.5)")
  end
  return v
end

function parsers.int(name, s)
  local v = parsers.number(name, s)
  if math.type(v) ~= "integer" then
    fail("option '--" .. name .. "': '" .. s .. "' is not an integer (e.g. 100, 1e6)")
  end
  return v
end

function parsers.bytes(name, s)
  local v, err = M.parse_bytes(s)
  if v == nil then fail("option '--" .. name .. "': " .. err) end
  return v
end

function parsers.duration(name, s)
  local v, err = M.parse_duration(s)
  if v == nil then fail("option '--" .. name .. "': " .. err) end
  return v
end

function parsers.string(_, s)
  return s
end

function parsers.list(_, s)
  local t = {}
  for item in s:gmatch("[^,]+") do
    t[#t + 1] = item:match("^%s*(.-)%s*$")
  end
  return t
end

-- a declared value (default or argument) parsed and checked: list items by
-- d.items, strings and list items against d.choices
local function check_value(d, v)
  if d.type == "list" then
    local out = {}
    for i, item in ipairs(v) do
      if d.items and type(item) == "string" then item = parsers[d.items](d.name, item) end
      out[i] = item
    end
    v = out
  end
  if d.choices then
    local allowed = {}
    for _, c in ipairs(d.choices) do allowed[c] = true end
    for _, item in ipairs(type(v) == "table" and v or {v}) do
      if not allowed[item] then
        local guess = type(item) == "string" and M.suggest(item, d.choices)
        fail(("option '--%s': unknown value '%s'%s (%s)"):format(d.name, tostring(item),
          guess and (" (did you mean '" .. guess .. "'?)") or "", table.concat(d.choices, "|")))
      end
    end
  end
  return v
end

local function infer_type(default)
  local ty = type(default)
  if ty == "boolean" then return "bool" end
  if ty == "number" then
    -- 1e6 is a float in Lua; an integral default means an integer option
    return (math.type(default) == "integer" or
      (default == math.floor(default) and math.abs(default) < 2 ^ 53)) and "int" or "number"
  end
  if ty == "table" then return "list" end
  return "string"
end

local function show(v)
  if type(v) == "table" then return table.concat(v, ",") end
  return tostring(v)
end

local function closest(name, names)
  return M.suggest(name, names)
end

local function usage(spec, decls)
  local script = (arg and arg[0]) or "script.lua"
  local out = {}
  out[#out + 1] = ("usage: lsmlab run %s [--name=value ...]"):format(script)
  if spec[1] then out[#out + 1] = "\n" .. spec[1] end
  out[#out + 1] = "\nOptions:"
  local width = 4
  for _, d in ipairs(decls) do width = math.max(width, #d.name + #d.type + 5) end
  for _, d in ipairs(decls) do
    local left = ("--%s=%s"):format(d.name, d.type:upper())
    if d.type == "bool" then left = "--" .. d.name end
    local choices = d.choices and ("; one of " .. table.concat(d.choices, "|")) or ""
    out[#out + 1] = ("  %-" .. width .. "s %s (default %s%s)"):format(left, d.doc,
      d.shown_default, choices)
  end
  out[#out + 1] = ("  %-" .. width .. "s %s"):format("--help", "show this text")
  out[#out + 1] = "\nNumbers accept 1e6; sizes 4KiB, 64MiB, 1GB; durations 10us, 10ms, 2s, 1min."
  return table.concat(out, "\n") .. "\n"
end

-- lsmlab.options(spec [, args]) -> { name = value, ... }
function M.options(spec, args)
  if type(spec) ~= "table" then
    error("bad argument #1 to 'options' (table expected, got " .. type(spec) .. ")", 2)
  end
  args = args or arg or {}
  local decls, by_name, names = {}, {}, {}
  for i = 2, #spec do
    local e = spec[i]
    if type(e) ~= "table" or type(e[1]) ~= "string" or type(e[3]) ~= "string" then
      error(("lsmlab.options: entry %d must be {name, default, doc [, type = ...]}"):format(i),
        2)
    end
    local ty = e.type or infer_type(e[2])
    if not parsers[ty] then
      error(("lsmlab.options: option '%s': unknown type '%s' (bool|number|int|bytes|" ..
        "duration|string|list)"):format(e[1], tostring(ty)), 2)
    end
    if e.items ~= nil and (ty ~= "list" or not parsers[e.items] or e.items == "list") then
      error(("lsmlab.options: option '%s': items = '%s' needs a list option and one of " ..
        "bool|number|int|bytes|duration|string"):format(e[1], tostring(e.items)), 2)
    end
    if e.choices ~= nil and (type(e.choices) ~= "table" or #e.choices == 0) then
      error(("lsmlab.options: option '%s': choices must be a non-empty list"):format(e[1]), 2)
    end
    local d = { name = e[1], default = e[2], doc = e[3], type = ty,
      shown_default = show(e[2]), items = e.items, choices = e.choices }
    if type(d.default) == "string" and ty ~= "string" then
      d.default = parsers[ty](d.name, d.default)
    elseif ty == "int" and type(d.default) == "number" then
      d.default = math.tointeger(d.default) or d.default
      d.shown_default = tostring(d.default)
    end
    d.default = check_value(d, d.default)
    decls[#decls + 1] = d
    by_name[d.name] = d
    names[#names + 1] = d.name
  end
  local values = {}
  for _, d in ipairs(decls) do values[d.name] = d.default end
  for i = 1, #args do
    local a = args[i]
    if a == "--help" or a == "-h" then
      io.stdout:write(usage(spec, decls))
      os.exit(0)
    end
    local name, value = a:match("^%-%-([%w_%-]+)=(.*)$")
    if not name then name = a:match("^%-%-([%w_%-]+)$") end
    if not name then
      fail(("unexpected argument '%s'; options are --name=value"):format(a))
    end
    local d = by_name[name]
    if not d and value == nil and name:sub(1, 3) == "no-" and by_name[name:sub(4)] and
      by_name[name:sub(4)].type == "bool" then
      d, value = by_name[name:sub(4)], "false"
    end
    if not d then
      local s = closest(name, names)
      if s then
        fail(("unknown option '--%s' (did you mean '--%s'?)"):format(name, s))
      end
      fail(("unknown option '--%s'; options: --%s"):format(name,
        table.concat(names, ", --")))
    end
    if value == nil then
      if d.type ~= "bool" then
        fail(("option '--%s' needs a value: --%s=%s"):format(name, name, d.type:upper()))
      end
      value = "true"
    end
    values[d.name] = check_value(d, parsers[d.type](d.name, value))
  end
  -- the command line and the declared options, for results metadata
  M._script_args = args
  M._script_options = { decls = decls, values = values }
  return values
end
