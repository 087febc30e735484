-- lua/lsmlab/sweep.lua - lsmlab.sweep{...}: the cartesian product of
-- parameter values, each configuration named (docs/lua.md).
--
--   for _, c in ipairs(lsmlab.sweep{
--         {"strategy", {"leveled", "tiered"}},
--         {"size_ratio", {2, 4, 8}},
--       }) do
--     print(c.name, c.params.strategy, c.params.size_ratio)
--   end
--
-- Parameters are {name, values} pairs in the order given (the first varies
-- slowest), or a table keyed by name (sorted by name). Each configuration
-- is { name = "strategy=leveled,size_ratio=2", params = {...}, index = i }.
-- A parameter may carry a `label` function of its value for the name.
local M = ...

function M.sweep(spec)
  if type(spec) ~= "table" then
    error("bad argument #1 to 'sweep' (table expected, got " .. type(spec) .. ")", 2)
  end
  local dims = {}
  if #spec > 0 then
    for i, d in ipairs(spec) do
      if type(d) ~= "table" or type(d[1]) ~= "string" or type(d[2]) ~= "table" then
        error(("lsmlab.sweep: entry %d must be {name, {values...}}"):format(i), 2)
      end
      dims[#dims + 1] = { name = d[1], values = d[2], label = d.label }
    end
  else
    local names = {}
    for k in pairs(spec) do names[#names + 1] = k end
    table.sort(names)
    for _, k in ipairs(names) do
      if type(spec[k]) ~= "table" then
        error(("lsmlab.sweep: '%s' must be a list of values"):format(k), 2)
      end
      dims[#dims + 1] = { name = k, values = spec[k] }
    end
  end
  for _, d in ipairs(dims) do
    if #d.values == 0 then
      error(("lsmlab.sweep: '%s' has no values"):format(d.name), 2)
    end
  end
  local out = {}
  local function rec(i, params, parts)
    if i > #dims then
      local p = {}
      for k, v in pairs(params) do p[k] = v end
      out[#out + 1] = { name = table.concat(parts, ","), params = p, index = #out + 1 }
      return
    end
    local d = dims[i]
    for _, v in ipairs(d.values) do
      params[d.name] = v
      parts[i] = d.name .. "=" .. (d.label and d.label(v) or tostring(v))
      rec(i + 1, params, parts)
    end
    params[d.name] = nil
    parts[i] = nil
  end
  rec(1, {}, {})
  return out
end
