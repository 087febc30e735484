-- tests/lua/helpers.lua - shared by the Lua tests (loaded with dofile).
local H = {}

H.bin = os.getenv("LSMLAB_BIN") or "lsmlab"
H.src = os.getenv("LSMLAB_SRC") or "."
H.failures = 0

function H.tmpdir()
  local p = os.tmpname()
  os.remove(p)
  assert(os.execute("mkdir -p '" .. p .. "'"))
  return p
end

function H.check(cond, msg)
  if not cond then
    H.failures = H.failures + 1
    io.stderr:write("FAIL: ", msg, "\n", debug.traceback(), "\n")
  end
  return cond
end

-- f must raise an error whose message contains every string of `needles`
function H.raises(f, needles, what)
  local ok, err = pcall(f)
  if not H.check(not ok, what .. ": expected an error") then return end
  for _, n in ipairs(needles) do
    H.check(tostring(err):find(n, 1, true) ~= nil,
      ("%s: message %q lacks %q"):format(what, tostring(err), n))
  end
end

-- run a shell command; returns exit status (number), stdout+stderr
function H.sh(cmd)
  local p = io.popen(cmd .. " 2>&1", "r")
  local out = p:read("a")
  local _, _, code = p:close()
  return code, out
end

function H.write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

function H.read(path)
  local f = io.open(path, "r")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

function H.finish(name)
  if H.failures > 0 then
    io.stderr:write(("%s: %d check(s) failed\n"):format(name, H.failures))
    os.exit(1)
  end
  print(name .. ": ok")
end

return H
