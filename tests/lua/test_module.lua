-- tests/lua/test_module.lua - `require "lsmlab"` from the stock lua5.4
-- interpreter (LUA_CPATH points at the built lsmlab.so): no global is
-- touched, and the API works outside the lsmlab binary.
local before = {}
for k in pairs(_G) do before[k] = true end
local lsmlab = require "lsmlab"
for k in pairs(_G) do assert(before[k], "require set global " .. tostring(k)) end
local db <close> = lsmlab.open("lsm", {write_buffer_size = "64KiB"})
for i = 1, 2000 do assert(db:put(("%06d"):format(i), "value")) end
assert(db:get("000042") == "value")
local n = 0
for _ in db:scan() do n = n + 1 end
assert(n == 2000, "scan count")
local r = assert(db:run("ycsb-c", {recordcount = 100, operationcount = 100}))
assert(r.ops == 100)
assert(db:stats().wa > 0)
print("test_module: ok")
