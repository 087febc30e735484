-- lua/lsmlab/workload.lua - the per-operation Lua form of db:run:
--
--   db:run(function(db, rng) db:put(rng:key(rng:random(0, n - 1)), value) end,
--          { ops = 1e5, interval_ops = 1e4, on_interval = function(s) ... end })
--
-- event(db, rng) is called `ops` times (or until `duration` of device time
-- has passed); rng is an lsmlab.Rng seeded with params.seed (default: the
-- engine's seed). Every interval_ops operations (or `interval` of device
-- time) on_interval(sample) is called; on_done(result) at the end. The
-- result and samples carry the same fields as the named workloads' (ops,
-- wall_ns, device_ns, ops_per_sec, device_ops_per_sec, device bytes, wa,
-- sa when the logical live bytes are known).
local M, methods = ...

local native_run = methods.run

local function number_param(params, key, parse)
  local v = params[key]
  if v == nil then return nil end
  if type(v) == "string" then
    local n, err = parse(v)
    if n == nil then error(("db:run: parameter '%s': %s"):format(key, err), 3) end
    return n
  end
  if type(v) ~= "number" then
    error(("db:run: parameter '%s' must be a number or string"):format(key), 3)
  end
  return v
end

local allowed = { ops = true, duration = true, seed = true, interval_ops = true,
  interval = true, on_interval = true, on_done = true, phase = true }

local function sample(db, c0, c, phase, index, ops, interval_ops, wall0, dev_prev)
  local user = c.user_bytes_written - c0.user_bytes_written
  local dev = c.device_bytes_written - c0.device_bytes_written
  return {
    phase = phase, index = index, ops = ops, interval_ops = interval_ops,
    wall_ns = M.wall_ns() - wall0, device_ns = c.device_now_ns - c0.device_now_ns,
    interval_device_ns = c.device_now_ns - dev_prev,
    user_bytes_written = c.user_bytes_written,
    device_bytes_written = c.device_bytes_written,
    wa = c.user_bytes_written > 0 and c.device_bytes_written / c.user_bytes_written or 0 / 0,
    phase_wa = user > 0 and dev / user or 0 / 0,
    device_live_bytes = c.device_live_bytes,
    live_bytes = c.logical_live_bytes, live_keys = c.logical_live_keys,
    sa = (c.logical_live_bytes and c.logical_live_bytes > 0) and
      c.device_live_bytes / c.logical_live_bytes or 0 / 0,
  }
end

local function run_event(db, event, params)
  params = params or {}
  if type(params) ~= "table" then
    error("bad argument #2 to 'run' (table of parameters expected)", 3)
  end
  for k in pairs(params) do
    if not allowed[k] then
      error(("db:run: unknown parameter '%s' for an event function; allowed: ops, " ..
        "duration, seed, interval_ops, interval, on_interval, on_done, phase"):format(
        tostring(k)), 3)
    end
  end
  local ops = number_param(params, "ops", M.parse_number)
  local duration = number_param(params, "duration", M.parse_duration)
  local every_ops = number_param(params, "interval_ops", M.parse_number) or 0
  local every_ns = number_param(params, "interval", M.parse_duration) or 0
  if not ops and not duration then
    error("db:run: an event function needs 'ops' or 'duration'", 3)
  end
  local rng = M.rng(params.seed or db:config().seed)
  local phase = params.phase or "run"
  local c0 = db:counters()
  local wall0 = M.wall_ns()
  local n, index, last_ops, next_ns = 0, 0, 0, c0.device_now_ns + every_ns
  local dev_prev = c0.device_now_ns
  local on_interval = params.on_interval
  while true do
    if ops and n >= ops then break end
    if duration then
      local now = db:now()
      if now - c0.device_now_ns >= duration then break end
    end
    event(db, rng)
    n = n + 1
    if on_interval and ((every_ops > 0 and n % every_ops == 0) or
        (every_ns > 0 and db:now() >= next_ns)) then
      local c = db:counters()
      on_interval(sample(db, c0, c, phase, index, n, n - last_ops, wall0, dev_prev))
      index, last_ops, dev_prev = index + 1, n, c.device_now_ns
      if every_ns > 0 then next_ns = c.device_now_ns + every_ns end
    end
  end
  local c = db:counters()
  if on_interval and n > last_ops then
    on_interval(sample(db, c0, c, phase, index, n, n - last_ops, wall0, dev_prev))
  end
  local r = sample(db, c0, c, phase, index, n, n, wall0, c0.device_now_ns)
  r.workload = "lua-event"
  r.device_bytes_read = c.device_bytes_read - c0.device_bytes_read
  r.phase_device_bytes_written = c.device_bytes_written - c0.device_bytes_written
  r.ops_per_sec = r.wall_ns > 0 and n / (r.wall_ns / 1e9) or 0 / 0
  r.device_ops_per_sec = r.device_ns > 0 and n / (r.device_ns / 1e9) or 0 / 0
  if params.on_done then params.on_done(r) end
  return r
end


-- Named workloads, .properties files, traces and declarative mixes run in
-- C (lua/lua_workload.c). The forms:
--   db:load("ycsb-a", {recordcount = 1e5})
--   db:run("ycsb-a", {recordcount = 1e5, operationcount = 1e5})
--   db:run("workloads/my.properties", {...})
--   db:run({trace = "ops.csv"})
--   db:run({read = 0.9, update = 0.1, distribution = "zipfian",
--           recordcount = 1e5, operationcount = 1e6})
-- A load and a run with the same workload and parameters share one runner
-- (YCSB's two phases), which keeps the logical live bytes exact.
local native_load = methods.load

local mix_keys = { read = true, update = true, insert = true, delete = true, scan = true,
  rmw = true }

local function canonical(t)
  local keys = {}
  for k in pairs(t) do
    if k ~= "on_interval" and k ~= "on_done" then keys[#keys + 1] = tostring(k) end
  end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = k .. "=" .. tostring(t[k]) end
  return table.concat(parts, ";")
end

local function normalise(workload, params, what)
  if params ~= nil and type(params) ~= "table" then
    error(("bad argument #2 to '%s' (table of parameters expected, got %s)"):format(what,
      type(params)), 3)
  end
  local p = {}
  for k, v in pairs(params or {}) do p[k] = v end
  if type(workload) == "string" then
    p.workload = workload
  elseif type(workload) == "table" then
    local mix = false
    for k, v in pairs(workload) do
      if mix_keys[k] then
        p[k .. "_proportion"] = v
        mix = true
      else
        p[k] = v
      end
    end
    if mix and p.workload == nil then p.workload = "custom" end
  elseif workload ~= nil then
    error(("bad argument #1 to '%s' (workload name, mix table or event function " ..
      "expected, got %s)"):format(what, type(workload)), 3)
  end
  return p
end

-- Misuse raised by the C side carries no position: re-raise it at the
-- script's call (level 3 from here); errors of callbacks keep theirs.
local function native_phase(native, db, workload, params, what)
  local p = normalise(workload, params, what)
  local ok, r, msg, code = pcall(native, db, p, canonical(p))
  if not ok then
    if type(r) == "string" and not r:match("^[^%s:]+:%d+:") then
      error("db:" .. what .. ": " .. r, 3)
    end
    error(r, 0)
  end
  if r and p.on_done then p.on_done(r) end
  return r, msg, code
end

function methods.load(db, workload, params)
  if type(workload) == "function" then
    error("bad argument #1 to 'load' (use db:run for event functions)", 2)
  end
  local r, msg, code = native_phase(native_load, db, workload, params, "load")
  return r, msg, code
end

function methods.run(db, workload, params)
  if type(workload) == "function" then
    local r = run_event(db, workload, params)
    return r
  end
  local r, msg, code = native_phase(native_run, db, workload, params, "run")
  return r, msg, code
end
