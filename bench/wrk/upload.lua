-- Upload stream for wrk: every request is a POST with a SIZE-byte body (default 1 MiB = 1048576) and
-- Content-Length; the server's answer is expected to ignore (drain) the body.
--   wrk -t1 -c16 -d10s -s bench/wrk/upload.lua http://127.0.0.1:PORT/ -- 1048576
-- Throughput in bytes/s = requests/s x SIZE (bench/run.sh reports MiB/s).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

function init(args)
   local size = tonumber(args[1]) or 1048576
   wrk.method = "POST"
   wrk.body = string.rep("x", size)
   wrk.headers["Content-Type"] = "application/octet-stream"
end
